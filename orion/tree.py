"""The subject tree: the checkout whose stacks/ and provisioning/ Orion judges.

The checks and their catalogue come from the installed Orion; what they judge comes from the tree chosen here:
`--repo DIR`, else the checkout of the current directory (its git top level, or else the nearest parent that holds
stacks/), else the tree Orion was installed from. A gate that silently read another tree than the one it runs in
would pass a broken change, so every reader of stacks/ or provisioning/ goes through `current()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orion import PROJECT_ROOT
from orion.errors import ConfigError

#: A test hook: judge the stacks of this directory instead of the tree's (a mutated copy, in tests_unit).
STACKS_ENV = "ORION_STACKS_DIR"


@dataclass(frozen=True)
class Tree:
    root: Path
    how: str  # why this tree: "--repo", "the current directory's checkout", "the installed tree"

    @property
    def stacks(self) -> Path:
        return Path(os.environ[STACKS_ENV]) if os.environ.get(STACKS_ENV) else self.root / "stacks"

    @property
    def provisioning(self) -> Path:
        return self.root / "provisioning"

    def describe(self) -> str:
        """One line naming what is read, e.g. `/src/homelab (the current directory's checkout)`."""
        extra = f"; stacks from ${STACKS_ENV}={self.stacks}" if os.environ.get(STACKS_ENV) else ""
        return f"{self.root} ({self.how}){extra}"


def find(explicit: Path | str | None = None, cwd: Path | None = None) -> Tree:
    """`explicit` (which must hold stacks/), else the checkout around `cwd`, else the installed tree."""
    if explicit is not None:
        root = Path(explicit).expanduser().resolve()
        if not (root / "stacks").is_dir():
            raise ConfigError(root, None, "--repo: not an Orion homelab checkout (it has no stacks/ directory)")
        return Tree(root, "--repo")
    try:
        start = (cwd or Path.cwd()).resolve()
    except OSError:  # the current directory was removed
        return Tree(PROJECT_ROOT, "the installed tree")
    if (found := checkout_of(start)) is not None:
        return Tree(found, "the current directory's checkout")
    return Tree(PROJECT_ROOT, "the installed tree")


def checkout_of(start: Path) -> Path | None:
    """The git top level above `start` if it holds stacks/, else the nearest parent of `start` that does."""
    parents = [start, *start.parents]
    top = next((p for p in parents if (p / ".git").exists()), None)
    if top is not None and (top / "stacks").is_dir():
        return top
    return next((p for p in parents if (p / "stacks").is_dir()), None)


_chosen: Tree | None = None


def use(tree: Tree) -> Tree:
    """Judge `tree` for the rest of the process (the plugin calls this once, from its options)."""
    global _chosen
    _chosen = tree
    return tree


def current() -> Tree:
    """The tree chosen with `use`, else the one `find()` resolves from the current directory."""
    return _chosen if _chosen is not None else find()


def repo_root(explicit: Path | str | None = None) -> Path:
    return find(explicit).root if explicit is not None else current().root
