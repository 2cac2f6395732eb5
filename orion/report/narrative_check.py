"""Whether a model's narrative may be sent: checked as text, never trusted.

A narrative is dropped (the digest then says it is not available) when:
- it is empty, too long, or was cut at the generation limit;
- it cites a requirement ID that the run did not check (a made-up ``MAINT-99``, a mangled ``maint-4``);
- it proposes an action outside the remediation catalogue: a command (code, a shell prompt, a CLI tool), or a
  sentence that recommends or orders something without naming a catalogue entry (``remediations/catalog.yml``),
  or a "remediation X" whose X is not an entry.
The model is read-only: it may name a catalogue remediation, which a person then confirms; it may never invent one.
"""

from __future__ import annotations

import re
from collections.abc import Collection

MIN_CHARS = 20
MAX_CHARS = 900
#: The requirement domains (checks/requirements.yml): with one of these a near-miss counts too (``maint-4``,
#: ``MAINT 04``); any other capitalised ``ABC-12`` is taken as an ID as well ("Phi-3" is not one).
DOMAINS = ("BACKUP", "MON", "MEDIA", "TORR", "PROXY", "MAINT", "LLM", "SEC", "INFRA")
_REQ_LIKE = re.compile(
    r"(?<![\w-])(?:(?i:(" + "|".join(DOMAINS) + r"))[-‑_ ]?([0-9]{1,3})|([A-Z]{2,8})[-‑]([0-9]{2}))(?![\w-])"
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
#: Commands: code spans or blocks, a shell prompt, sudo, or a system tool with one of its verbs or flags (a tool's
#: name alone is prose: "Ollama installé", "le service jellyfin").
_COMMAND = re.compile(
    r"`|^\s*[$#]\s|\bsudo\b|\bsystemctl\s+\w|\bjournalctl\b|\bkubectl\b|\bansible-playbook\b"
    r"|\bdocker(?:-compose|\s+compose)?\s+(?:restart|rm|rmi|stop|start|run|exec|kill|pull|up|down|prune)\b"
    r"|\bapt(?:-get)?\s+(?:install|remove|purge|upgrade|update)\b|\bollama\s+(?:pull|rm|run|serve|stop|create)\b"
    r"|\brm\s+-|\bchmod\s+[0-7ugoa+]|\bchown\s+\w+:|\bkill(?:all)?\s+-|\bcurl\s+-|\bwget\s+\S*://"
    r"|\biptables\s+-|\bufw\s+(?:allow|deny|disable|enable|reset|delete)\b|\bu?mount\s+(?:-|/)"
    r"|\bservice\s+\S+\s+(?:restart|start|stop|reload)\b|\bshutdown\s+-|\bsh\s+-c\b",
    re.IGNORECASE | re.MULTILINE,
)
#: A sentence that asks for an action (suggestion, instruction or imperative), in French or English.
_ACTION = re.compile(
    r"\b(?:il faut|il faudrait|vous devez|vous devriez|tu dois|tu devrais|je recommande|je conseille|je suggère"
    r"|on peut|pensez à|essayez|redémarr\w*|relancez|relance[rz]?|supprime[rz]?|réinstalle[rz]?|installe[rz]"
    r"|exécute[rz]|lancez|vérifiez|arrête[rz]|désactive[rz]|mettez|faites"
    r"|try|recommend\w*|suggest\w*|consider|please|restart\w*|reboot\w*|reinstall\w*"
    r"|delete|remove|execute|install|disable|make sure|you should|you must|you need)\b",
    re.IGNORECASE,
)
_REMEDIATION_NAMED = re.compile(
    r"\b(?:remédiation|remediation|action)\s+[«\"'“]?([a-z0-9]+(?:-[a-z0-9]+)+)", re.IGNORECASE
)
_KEBAB = re.compile(r"(?<![\w-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")


def normal_id(prefix: str, number: str) -> str:
    return f"{prefix.upper()}-{int(number):02d}"


def cited(text: str) -> list[str]:
    """The requirement IDs ``text`` cites, normalised (``maint-4`` is ``MAINT-04``), in order, once each."""
    found = (normal_id(m[1] or m[3], m[2] or m[4]) for m in _REQ_LIKE.finditer(text))
    return list(dict.fromkeys(found))


def problems(
    text: str,
    *,
    reqs: Collection[str],
    actions: Collection[str],
    cut: bool = False,
    quoted: Collection[str] = (),
    max_chars: int = MAX_CHARS,
) -> list[str]:
    """Why ``text`` may not be sent (empty when it may). ``reqs``: the run's requirement IDs; ``actions``: the
    catalogue's entry IDs; ``cut``: the generation stopped at its token limit; ``quoted``: texts of the prompt
    (the requirements' titles, such as "Restart automatique conteneurs/services down") that the narrative may
    repeat without that being read as an action it proposes."""
    found: list[str] = []
    stripped = text.strip()
    if len(stripped) < MIN_CHARS:
        found.append(f"too short ({len(stripped)} characters, at least {MIN_CHARS})")
    if len(stripped) > max_chars:
        found.append(f"too long ({len(stripped)} characters, at most {max_chars})")
    if cut:
        found.append("cut at the generation limit")
    unknown = [rid for rid in cited(stripped) if rid not in reqs]
    if unknown:
        found.append(f"cites requirements the run did not check: {', '.join(unknown[:5])}")
    for title in sorted(quoted, key=len, reverse=True):
        stripped = stripped.replace(title, " ") if len(title) >= 8 else stripped
    found += _actions(stripped, set(actions))
    return found


def _actions(text: str, actions: set[str]) -> list[str]:
    found = []
    command = _COMMAND.search(text)
    if command:
        found.append(f"proposes a command ({command.group(0).strip()!r}…)")
    named = [name.lower() for name in _REMEDIATION_NAMED.findall(text)]
    outside = [name for name in named if name not in actions]
    if outside:
        found.append(f"names remediations outside the catalogue: {', '.join(dict.fromkeys(outside))}")
    for sentence in _SENTENCE.findall(text):
        verb = _ACTION.search(sentence)
        if verb and not set(_KEBAB.findall(sentence.lower())) & actions:
            found.append(f"proposes an action outside the catalogue ({verb.group(0)!r} in {_short(sentence)!r})")
            break
    return found


def _short(sentence: str, limit: int = 60) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
