"""The restic job's configuration, stacks/synapse/restic/backup.conf: plain `KEY="value"` lines, sourced by the
job (POSIX sh) and read here by the checks as the desired state (what must be backed up, kept and verified)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from orion import PROJECT_ROOT, tree
from orion.errors import ConfigError

#: Where the job's configuration is, under the judged tree's stacks/.
RELATIVE = Path("synapse") / "restic" / "backup.conf"
#: Where the job's container mounts the sources (backup.conf's paths are relative to it).
SOURCE_ROOT = "/source"
_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


@dataclass(frozen=True)
class BackupConfig:
    path: Path
    values: dict[str, str]
    lines: dict[str, int]

    @classmethod
    def load(cls, path: Path | None = None) -> BackupConfig:
        """Read `path` (the judged tree's backup.conf); a line that is neither a comment nor `KEY="value"` is a
        ConfigError naming file:line."""
        path = path or tree.current().stacks / RELATIVE
        try:
            text = path.read_text()
        except OSError as exc:
            raise ConfigError(path, None, f"cannot read the backup job's configuration ({exc.strerror})") from None
        values: dict[str, str] = {}
        lines: dict[str, int] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            match = _LINE.match(line)
            words = _words(match[2]) if match else None
            if match is None or words is None or len(words) > 1:
                raise ConfigError(path, number, f'expected KEY="value" (shell syntax, one value), got {line!r}')
            values[match[1]] = words[0] if words else ""
            lines[match[1]] = number
        return cls(path, values, lines)

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        shown = _shown(self.path)
        return f"{shown}:{line}" if line else f"{shown} (no {key})"

    def get(self, key: str) -> str:
        if key not in self.values:
            raise ConfigError(self.path, None, f"{key} is not set")
        return self.values[key]

    def words(self, key: str) -> list[str]:
        """A space-separated list setting (SOURCES_*, CRITICAL_VOLUMES, CANARY)."""
        return self.get(key).split()

    def number(self, key: str) -> int:
        value = self.get(key)
        if not value.isdigit():
            raise ConfigError(self.path, self.lines.get(key), f"{key} must be a whole number, got {value!r}")
        return int(value)

    def sources(self, *keys: str) -> list[str]:
        """The absolute source paths (as the job passes them to restic) of the SOURCES_* settings named."""
        return [f"{SOURCE_ROOT}/{rel.strip('/')}" for key in keys for rel in self.words(key)]

    @property
    def daily_sources(self) -> list[str]:
        return self.sources("SOURCES_SYSTEM", "SOURCES_VOLUMES", "SOURCES_DOCUMENTS")


def stacks_with_compose() -> list[str]:
    """The stacks of the judged tree (each folder of stacks/ with a compose.yml): each has its own .env."""
    return sorted(p.parent.name for p in tree.current().stacks.glob("*/compose.yml"))


def _words(value: str) -> list[str] | None:
    try:
        return shlex.split(value, comments=True)
    except ValueError:
        return None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
