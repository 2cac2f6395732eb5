"""An answer: its text, the sources it cites, what was checked (and what did not answer); rendered as plain text
that fits Telegram's messages (4096 characters each, split on line boundaries when longer)."""

from __future__ import annotations

from dataclasses import dataclass, field

from orion import redact

LIMIT = 4096


@dataclass
class Answer:
    lang: str
    intent: str
    lines: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)  # "Loki : connection refused"

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def cite(self, source: str) -> None:
        for one in source.split("; "):
            if one and one not in self.sources:
                self.sources.append(one)

    def text(self) -> str:
        body = list(self.lines)
        if self.down:
            title = "Did not answer:" if self.lang == "en" else "Sans réponse :"
            body += ["", title, *(f"• {d}" for d in self.down)]
        if self.sources:
            body += ["", "Sources :" if self.lang == "fr" else "Sources:", *(f"• {s}" for s in self.sources)]
        return redact.text("\n".join(body).strip())


def split(text: str, limit: int = LIMIT) -> list[str]:
    """`text` as messages of at most `limit` characters (UTF-16 units, as Telegram counts), cut between lines
    (a line longer than the limit is cut at the limit); each part but the last ends with "…"."""
    if _len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while _len(line) > limit - 2:
            cut = _cut(line, limit - 2)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if _len(candidate) > limit - 2:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [p + ("\n…" if i < len(parts) - 1 else "") for i, p in enumerate(parts) if p.strip()]


def _len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(line: str, limit: int) -> int:
    """The largest prefix length of `line` within `limit` UTF-16 units."""
    n = 0
    for i, ch in enumerate(line):
        n += 2 if ord(ch) > 0xFFFF else 1
        if n > limit:
            return i
    return len(line)
