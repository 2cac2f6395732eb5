"""Jellyfin: its encoding.xml (EncodingOptions: each option's value and file:line), and the running server through
its API (https://api.jellyfin.org/: /health, /Library/VirtualFolders, /System/Configuration/encoding, /Users),
authenticated with an API key (`Authorization: MediaBrowser Token="…"`)."""

from __future__ import annotations

import xml.sax
from functools import cache
from pathlib import Path
from typing import Any

from orion.errors import ConfigError
from orion.outcomes import CannotObserve
from orion.probes import located
from orion.probes.compose import Stack
from orion.probes.http import ServiceClient

#: EncodingOptions that keep Jellyfin off hardware transcoding the Pi 5 does not have (values as in encoding.xml).
DIRECT_PLAY = {
    "HardwareAccelerationType": "none",
    "EnableHardwareEncoding": "false",
    "AllowHevcEncoding": "false",
    "AllowAv1Encoding": "false",
    "EnableTonemapping": "false",
}
#: UserPolicy switches that, off, leave a user Direct Play (and Direct Stream) only.
TRANSCODING_POLICY = ("EnableVideoPlaybackTranscoding", "EnableAudioPlaybackTranscoding")


class JellyfinApi:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    def _auth(self) -> dict[str, str]:
        key = self.client.service.api_key
        if key is None:
            raise CannotObserve(f"{self.client.service.name}: the inventory gives no api_key for Jellyfin's API")
        return {"Authorization": f'MediaBrowser Token="{key.reveal()}"'}

    def health(self) -> str:
        """`/health`'s body (`Healthy`); an unhealthy server answers 503, which the client reports as down."""
        return self.client.get("/health").text.strip()

    def get(self, path: str) -> Any:
        return self.client.json(path, headers=self._auth())

    def libraries(self) -> list[dict[str, Any]]:
        return list(self.get("/Library/VirtualFolders"))

    def encoding(self) -> dict[str, Any]:
        return dict(self.get("/System/Configuration/encoding"))

    def users(self) -> list[dict[str, Any]]:
        return list(self.get("/Users"))


def as_xml(value: Any) -> str:
    """An API value as encoding.xml writes it (`true`, `none`)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


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
