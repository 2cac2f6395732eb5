"""Jellyfin's encoding.xml (EncodingOptions): each option's value and file:line."""

from __future__ import annotations

import xml.sax
from functools import cache
from pathlib import Path
from typing import Any

from orion.errors import ConfigError
from orion.probes import located
from orion.probes.compose import Stack


class EncodingOptions:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.options: dict[str, tuple[str, int]] = {}
        handler = _TopLevel(self.options)
        try:
            xml.sax.parse(str(path), handler)
        except OSError as exc:
            raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
        except xml.sax.SAXParseException as exc:
            raise ConfigError(path, exc.getLineNumber(), f"invalid XML: {exc.getMessage()}") from None

    @staticmethod
    def of(stack: Stack) -> EncodingOptions:
        """The stack's jellyfin/encoding.xml, read once per process."""
        return _load(located.read(stack.dir / "jellyfin" / "encoding.xml"))

    def get(self, option: str) -> tuple[str | None, str]:
        """The text of <option> (None when absent) and where it is."""
        value, line = self.options.get(option, (None, None))
        return value, located.at(self.path, line)


_load = cache(EncodingOptions)


class _TopLevel(xml.sax.ContentHandler):
    """Collects the text of the root element's children."""

    def __init__(self, into: dict[str, tuple[str, int]]) -> None:
        super().__init__()
        self.into = into
        self.depth = 0
        self.current: tuple[str, int] | None = None
        self.text: list[str] = []

    def startElement(self, name: str, attrs: Any) -> None:
        self.depth += 1
        if self.depth == 2:
            self.current, self.text = (name, self._locator.getLineNumber()), []

    def characters(self, content: str) -> None:
        if self.depth == 2:
            self.text.append(content)

    def endElement(self, name: str) -> None:
        if self.depth == 2 and self.current:
            self.into[self.current[0]] = ("".join(self.text).strip(), self.current[1])
        self.depth -= 1
