"""Where the lab's files live: the repository's ``lab/`` tree and ``<state>/lab`` (state dir from orion.state)."""

from __future__ import annotations

from pathlib import Path

from orion import PROJECT_ROOT, state

#: The repository's lab/ tree: images, compose overrides, faults, stand-ins, the inventory template.
LAB_SRC = PROJECT_ROOT / "lab"
STACKS = PROJECT_ROOT / "stacks"


def lab_state() -> Path:
    """``<state>/lab``, created on demand (mode 0700: it holds keys and secrets).

    The state dir follows the same rule as `orion check` ($ORION_STATE_DIR, else the default): the lab has no
    --state-dir option of its own, so ORION_STATE_DIR is what selects a lab.
    """
    path = state.state_dir() / "lab"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
