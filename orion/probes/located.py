"""How a violation names the place to fix: `path:line`, relative to the repository when the file is in it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from orion import PROJECT_ROOT, evidence, tree
from orion.errors import ConfigError


@cache
def shown(path: Path) -> str:
    """`path` as a person reads it: stacks/cortex/caddy/Caddyfile in the judged tree (or in Orion's own), else
    absolute."""
    for root in (tree.current().root, PROJECT_ROOT):
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            continue
    return str(path)


def at(path: Path, line: int | None = None) -> str:
    return f"{shown(path)}:{line}" if line else shown(path)


def text(path: Path) -> str:
    """The file's text; a file that cannot be read is a ConfigError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None


def read(path: Path) -> Path:
    """`path`, recorded as the running check's evidence: the file it judged."""
    evidence.source(shown(path))
    return path
