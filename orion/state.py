"""Where Orion keeps its state: run records, history, audit log, budgets."""

from __future__ import annotations

import os
from pathlib import Path

SYSTEM_STATE = Path("/var/lib/orion")


def state_dir(explicit: Path | str | None = None) -> Path:
    """`explicit`, else $ORION_STATE_DIR, else /var/lib/orion where writable, else ~/.local/state/orion.

    The directory is created if it does not exist.
    """
    for candidate in (explicit, os.environ.get("ORION_STATE_DIR")):
        if candidate:
            path = Path(candidate).expanduser()
            path.mkdir(parents=True, exist_ok=True)
            return path
    if _writable(SYSTEM_STATE):
        return SYSTEM_STATE
    path = Path.home() / ".local" / "state" / "orion"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)
