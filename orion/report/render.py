"""The report templates (reports/*.j2) and their words (reports/messages.yml), French first, English.

One Jinja environment per output: `html` escapes every value (Telegram's HTML and the page: `< > & " '`),
`text` and `md` write values as they are. Templates get `t(key, **values)` for the words, and filters for
times (`when`, `ago`) that never read the clock: a duration is measured to the run's own time.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from orion import PROJECT_ROOT, yamlsrc
from orion.errors import ConfigError
from orion.report.history_view import parse

TEMPLATES = PROJECT_ROOT / "reports"
MESSAGES = TEMPLATES / "messages.yml"
FORMATS = ("text", "html", "md")
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@cache
def messages() -> dict[str, dict[str, Any]]:
    doc = yamlsrc.load(MESSAGES)
    data = doc.data
    if not isinstance(data, dict) or set(data) != {"fr", "en"}:
        raise ConfigError(MESSAGES, 1, "expected the two languages fr and en at the top")
    for lang, table in data.items():
        for key, entry in table.items():
            forms = entry.values() if isinstance(entry, dict) else [entry]
            if not isinstance(key, str) or not all(isinstance(f, str) for f in forms):
                raise ConfigError(MESSAGES, doc.line((lang, key)), f"{lang}.{key}: a message is text (quote yes/no/on)")
    return data


class Words:
    """`t(key, **values)` in one language."""

    def __init__(self, lang: str) -> None:
        if lang not in ("fr", "en"):
            raise ValueError(f"unknown language {lang!r}: expected fr or en")
        self.lang = lang
        self.table = messages()[lang]

    def __call__(self, key: str, **values: Any) -> str:
        entry = self.table.get(key)
        if entry is None:
            raise KeyError(f"{MESSAGES}: no message {key!r} in {self.lang}")
        if isinstance(entry, dict):
            entry = entry["one" if values.get("n") == 1 else "other"]
        return str(entry).format(**{k: _plain(v) for k, v in values.items()})

    def duration(self, seconds: float) -> str:
        """`3 h 20 min`, `2 j 4 h` (two units at most)."""
        seconds = max(0, int(seconds))
        parts = []
        for key, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
            if seconds >= size or (key == "second" and not parts):
                parts.append(f"{seconds // size} {self(key)}")
                seconds %= size
            if len(parts) == 2:
                break
        return " ".join(parts)


def _plain(value: Any) -> Any:
    """Values go into messages unescaped; the environment escapes the finished message once."""
    return str(value) if isinstance(value, Markup) else value


def when(stamp: str | None) -> str:
    """`2026-12-02 14:05 UTC` from an ISO time."""
    if not stamp:
        return "?"
    try:
        return parse(stamp).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(stamp)[:40]


def seconds_between(start: str | None, end: str | None) -> float:
    try:
        return (parse(end or "") - parse(start or "")).total_seconds()
    except ValueError:
        return 0.0


@cache
def environment(kind: str) -> jinja2.Environment:
    """The environment of one output kind: `html` (escaped) or `text` (as is)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=kind == "html",  # markupsafe's escape: html.escape's five characters, macros kept as markup
        finalize=lambda v: "" if v is None else v,
    )
    env.filters["when"] = when
    return env


def render(name: str, kind: str, lang: str, **context: Any) -> str:
    words = Words(lang)
    template = environment(kind).get_template(name)
    out = template.render(t=words, lang=lang, ago=lambda a, b: words.duration(seconds_between(a, b)), **context)
    return _BLANKS.sub("\n\n", out).strip() + "\n"


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
