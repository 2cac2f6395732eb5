"""Where Orion keeps its state: run records, history, audit log, budgets, and the lab (``<state>/lab``).

One rule for every command: ``orion check``, ``orion lab *`` and the plugin all find the state here.
"""

from __future__ import annotations

import os
from pathlib import Path

SYSTEM_STATE = Path("/var/lib/orion")


def locate(explicit: Path | str | None = None) -> Path:
    """`explicit`, else $ORION_STATE_DIR, else /var/lib/orion where writable, else ~/.local/state/orion.

    Nothing is created: this only says where the state is (or would be).
    """
    for candidate in (explicit, os.environ.get("ORION_STATE_DIR")):
        if candidate:
            return Path(candidate).expanduser()
    if _writable(SYSTEM_STATE):
        return SYSTEM_STATE
    return Path.home() / ".local" / "state" / "orion"


def state_dir(explicit: Path | str | None = None) -> Path:
    """The state directory of :func:`locate`, created if it does not exist."""
    path = locate(explicit)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        if path != SYSTEM_STATE:
            raise
        path = Path.home() / ".local" / "state" / "orion"
        path.mkdir(parents=True, exist_ok=True)
    return path


def lab_dir() -> Path:
    """``<state>/lab``: the lab's keys, secrets, rendered files and data (not created here)."""
    return locate() / "lab"


def lab_inventory() -> Path:
    """The lab's inventory as ``orion lab up`` renders it from lab/inventory.yml (it may not exist yet)."""
    return lab_dir() / "inventory.yml"


def _writable(path: Path) -> bool:
    """True when `path` is, or could be created as, a writable directory."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK)
