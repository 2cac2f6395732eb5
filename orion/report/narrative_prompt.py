"""The narrative's prompt: a few lines of redacted, structured facts about one run, within a token budget.

Only what the digest itself shows goes in: per requirement its ID, title, category (new, still failing…), hosts,
one short line of observed/expected evidence and the remediation's ID and status. Never a raw log, a command's
output beyond that one short line, or anything unredacted: the record is redacted again here, and so is the prompt.

The budget (``BUDGET`` tokens, 600: on a Pi 5 Phi-3 Mini prefills about 8 tokens/s) holds for any run: the
evidence is shortened, then the least important items are left out with a "+N more" line. Tokens are counted by
:func:`estimate_tokens`, a deliberately pessimistic count (Ollama has no tokenizer endpoint).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orion import redact
from orion.report import view
from orion.report.prefs import Thresholds

BUDGET = 600
#: Items in the order they are kept when the budget is short (skipped checks are never told).
ORDER = ("new", "escalated", "still", "pending", "unobserved", "remediated", "recovered", "recovering")
#: Shortening steps: (characters of the title, of the observed evidence, of the expected value).
_STEPS = ((50, 70, 40), (45, 50, 0), (40, 36, 0), (32, 28, 0), (28, 20, 0), (28, 0, 0))
#: A pessimistic token count: a word of letters costs one token per 2.5 letters, and one more per letter outside
#: ASCII (Phi-3's 32k vocabulary has few French words whole; gemma's 256k one counts about 2/3 of this), every
#: digit and every punctuation mark one (Llama-family tokenizers split numbers into digits), a newline one, any
#: other character two.
_PIECES = re.compile(r"[^\W\d_]+|\d|\n|\s+|.", re.UNICODE)

WORDS = {
    "fr": {
        "new": "Nouveaux échecs",
        "escalated": "Escaladés (une personne doit agir)",
        "still": "Toujours en échec",
        "pending": "En échec, pas encore confirmés",
        "unobserved": "Non observés (Orion n'a pas pu voir)",
        "remediated": "Corrigés par une remédiation",
        "recovered": "Rétablis",
        "recovering": "En cours de rétablissement",
        "critical": "* : critique.",
        "since": "depuis",
        "observed": "vu",
        "expected": "attendu",
        "more": "+{n} autres exigences non listées.",
        "none": "(aucune)",
    },
    "en": {
        "new": "New failures",
        "escalated": "Escalated (a person must act)",
        "still": "Still failing",
        "pending": "Failing, not yet confirmed",
        "unobserved": "Not observed (Orion could not see)",
        "remediated": "Fixed by a remediation",
        "recovered": "Recovered",
        "recovering": "Recovering",
        "critical": "* critical.",
        "since": "since",
        "observed": "seen",
        "expected": "expected",
        "more": "+{n} more requirements not listed.",
        "none": "(none)",
    },
}

SYSTEM = {
    "fr": (
        "Tu es Orion, qui surveille un homelab. Résume pour son propriétaire, en 2 à 4 phrases en français, ce "
        "qui ne va pas. Cite les exigences listées par leur ID exact. Ne propose aucune action, sauf une de : "
        "{actions}. N'invente rien."
    ),
    "en": (
        "You are Orion, who watches over a homelab. Sum up for its owner, in 2 to 4 sentences in English, what is "
        "wrong. Cite the listed requirements by their exact ID. Propose no action, except one of: {actions}. "
        "Invent nothing."
    ),
}
HEADER = {
    "fr": "{failing} exigence(s) en échec sur {total} vérifiées{hosts}.",
    "en": "{failing} requirement(s) failing of {total} checked{hosts}.",
}


@dataclass(frozen=True)
class Prompt:
    messages: list[dict[str, str]]  # system, then user: what goes to the model
    reqs: frozenset[str]  # every requirement ID of the run (the narrative may cite only these)
    told: tuple[str, ...]  # the requirement IDs the prompt lists
    left_out: int  # items left out to keep within the budget
    tokens: int  # estimate_tokens of every message
    titles: tuple[str, ...] = ()  # the told requirements' titles: a narrative may quote them

    @property
    def text(self) -> str:
        return "\n\n".join(m["content"] for m in self.messages)


def estimate_tokens(text: str) -> int:
    """A count of ``text``'s tokens that errs high for the tokenizers of Ollama's small models."""
    total = 0
    for piece in _PIECES.findall(text):
        if piece[0].isalpha():
            total += math.ceil(len(piece) / 2.5) + sum(not c.isascii() for c in piece)
        elif piece.isspace():
            total += piece.count("\n")
        elif piece.isdigit() or piece.isascii():
            total += 1
        else:
            total += 2
    return total


def run_reqs(record: dict[str, Any]) -> frozenset[str]:
    """Every requirement ID the run checked."""
    return frozenset(str(r) for c in record.get("checks") or [] for r in c.get("req") or [])


def build(
    state: Path,
    record: dict[str, Any],
    *,
    lang: str = "fr",
    actions: list[str] | None = None,
    thresholds: Thresholds | None = None,
    budget: int = BUDGET,
) -> Prompt:
    """The prompt for ``record`` (a run record as in <state>/runs/<id>.json), its history read from ``state``.

    ``actions`` are the remediation IDs the narrative may name (the catalogue's entries for this run's failures).
    """
    if lang not in WORDS:
        raise ValueError(f"unknown language {lang!r}: expected fr or en")
    record = redact.data(record)
    run = view.build(state, record, thresholds or Thresholds(), lang)
    items = sorted((i for i in run.items if i.category in ORDER), key=lambda i: (ORDER.index(i.category), i.req))
    words = WORDS[lang]
    system = SYSTEM[lang].format(actions=", ".join(actions or []) or words["none"])
    reqs = run_reqs(record)
    hosts = {_host(h) for i in items for h in i.hosts}
    one_host = len(hosts) == 1 and all(i.hosts for i in items)
    header = HEADER[lang].format(
        failing=len(run.failing), total=len(reqs), hosts=f" ({hosts.pop()})" if one_host else ""
    )
    legend = [words["critical"]] if any(i.critical for i in items) else []

    def compose(step: tuple[int, int, int], kept: int) -> Prompt:
        lines, category = [header], ""
        for item in items[:kept]:
            if item.category != category:
                category = item.category
                lines.append(words[category] + " :" if lang == "fr" else words[category] + ":")
            lines.append(_line(item, words, not one_host, *step))
        if kept < len(items):
            lines.append(words["more"].format(n=len(items) - kept))
        user = redact.text("\n".join(lines + legend))
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        tokens = sum(estimate_tokens(m["content"]) for m in messages)
        titles = tuple(t for i in items[:kept] for t in (i.title, _cut(i.title, step[0]).rstrip("…")) if t)
        return Prompt(messages, reqs, tuple(i.req for i in items[:kept]), len(items) - kept, tokens, titles)

    for step in _STEPS:  # first shorten the evidence and the titles…
        prompt = compose(step, len(items))
        if prompt.tokens <= budget:
            return prompt
    for kept in range(len(items) - 1, -1, -1):  # …then leave out the least important items
        prompt = compose(_STEPS[-1], kept)
        if prompt.tokens <= budget:
            return prompt
    raise ValueError(f"the narrative's instructions alone exceed {budget} tokens")


def _host(name: str) -> str:
    return name.removeprefix("orion-")


def _line(item: view.Item, words: dict[str, str], hosts: bool, title: int, observed: int, expected: int) -> str:
    tags = [_host(host) for host in item.hosts[:2]] if hosts else []
    if item.since and item.category != "new":
        tags.append(f"{words['since']} {item.since[5:16].replace('T', ' ')}")
    line = f"- {item.req}{'*' if item.critical else ''}" + (f" [{', '.join(tags)}]" if tags else "")
    line += f" {_cut(item.title, title)}".rstrip()
    seen = item.observed or (item.message if not item.expected else "")
    if observed and seen:
        line += f"; {words['observed']} {_cut(seen, observed)}"
    if expected and item.expected:
        line += f"; {words['expected']} {_cut(item.expected, expected)}"
    rem = item.remediation
    if rem.get("id"):
        line += f"; {rem['id']}: {rem.get('status') or '?'}"
    return line


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
