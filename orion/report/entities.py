"""Telegram's HTML parse mode, read back as Telegram reads it: which tags it accepts, and how long a message is.

Telegram limits a message to 4096 characters *after entity parsing*: the tags do not count, `&lt;` counts as
one character, and characters are UTF-16 code units (an emoji outside the BMP counts two). Only a few tags
exist (b, i, u, s, code, pre, a, …), every tag must be closed in order, and of the named entities only `&lt;`,
`&gt;`, `&amp;` and `&quot;` are known; numeric ones all are.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

LIMIT = 4096
#: The tags Orion writes (Telegram accepts a few more: u, s, span class="tg-spoiler", blockquote…).
ORION_TAGS = frozenset({"b", "i", "code", "pre", "a"})
TELEGRAM_TAGS = ORION_TAGS | {"strong", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span", "blockquote"}
_NAMED = re.compile(r"&([A-Za-z][A-Za-z0-9]*);?")
_KNOWN_NAMED = {"lt", "gt", "amp", "quot"}


class TelegramHTMLError(ValueError):
    """Text that Telegram would refuse in HTML parse mode ("can't parse entities")."""


class _Reader(HTMLParser):
    def __init__(self, tags: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = tags
        self.open: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.tags:
            raise TelegramHTMLError(f"tag <{tag}> is not allowed in Telegram HTML")
        if tag == "a" and not any(k == "href" and v for k, v in attrs):
            raise TelegramHTMLError("<a> without href")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f"self-closing <{tag}/> is not Telegram HTML")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise TelegramHTMLError(f"</{tag}> closes {('<' + self.open[-1] + '>') if self.open else 'nothing'}")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        raise TelegramHTMLError("comments are not Telegram HTML")

    def handle_decl(self, decl: str) -> None:
        raise TelegramHTMLError("declarations are not Telegram HTML")

    def handle_pi(self, data: str) -> None:
        raise TelegramHTMLError("processing instructions are not Telegram HTML")


def parse(html_text: str, tags: frozenset[str] = TELEGRAM_TAGS) -> str:
    """The visible text of a Telegram HTML message; raises TelegramHTMLError where Telegram would refuse it."""
    for match in _NAMED.finditer(html_text):
        if match.group(1) not in _KNOWN_NAMED or not match.group(0).endswith(";"):
            raise TelegramHTMLError(f"entity {match.group(0)!r}: Telegram knows only &lt; &gt; &amp; &quot;")
    if re.search(r"<(?![A-Za-z/])", html_text):
        raise TelegramHTMLError("a bare '<' must be written &lt;")
    reader = _Reader(tags)
    reader.feed(html_text)
    reader.close()
    if reader.open:
        raise TelegramHTMLError(f"<{reader.open[-1]}> is never closed")
    return "".join(reader.parts)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def telegram_length(html_text: str) -> int:
    """The message's length as Telegram counts it: visible text, in UTF-16 code units."""
    return utf16_length(parse(html_text))
