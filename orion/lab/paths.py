"""Where the lab's files live: the repository's ``lab/`` tree and the lab state directory."""

from __future__ import annotations

import os
from pathlib import Path

from orion import PROJECT_ROOT

#: The repository's lab/ tree: images, compose overrides, faults, stand-ins.
LAB_SRC = PROJECT_ROOT / "lab"
STACKS = PROJECT_ROOT / "stacks"


def _fallback_state_dir() -> Path:
    """``$ORION_STATE_DIR``, else /var/lib/orion when writable, else ~/.local/state/orion."""
    env = os.environ.get("ORION_STATE_DIR")
    if env:
        return Path(env)
    system = Path("/var/lib/orion")
    parent = system if system.exists() else system.parent
    if os.access(parent, os.W_OK):
        return system
    return Path.home() / ".local" / "state" / "orion"


def state_dir() -> Path:
    """The Orion state directory, from ``orion.state`` when the engine provides it."""
    try:
        from orion.state import state_dir as engine_state_dir  # type: ignore[import-not-found]
    except ImportError:
        return _fallback_state_dir()
    return Path(engine_state_dir())


def lab_state() -> Path:
    """``<state>/lab``, created on demand (mode 0700: it holds keys and secrets)."""
    path = state_dir() / "lab"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
