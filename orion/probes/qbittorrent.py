"""qBittorrent's seed configuration (qBittorrent.conf, INI): values with their file:line."""

from __future__ import annotations

from pathlib import Path

from orion.errors import ConfigError
from orion.probes import located
from orion.probes.compose import Stack


class QbtConf:
    def __init__(self, path: Path) -> None:
        self.path = path
        text = located.text(path)
        self.values: dict[tuple[str, str], tuple[str, int]] = {}
        section = ""
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith((";", "#")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ConfigError(path, number, "expected key=value")
            self.values[(section, key.strip())] = (value.strip(), number)

    @staticmethod
    def of(stack: Stack) -> QbtConf:
        """The stack's qbittorrent/qBittorrent.conf (the seed configuration qBittorrent starts from)."""
        return QbtConf(located.read(stack.dir / "qbittorrent" / "qBittorrent.conf"))

    def get(self, section: str, key: str) -> tuple[str | None, str]:
        """The value of `section/key` (None when absent) and where it is (or the file)."""
        value, line = self.values.get((section, key), (None, None))
        return value, located.at(self.path, line)
