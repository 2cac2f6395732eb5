"""One lab per Docker engine: which state dir the running lab belongs to, and refusing to mix two.

The lab's container, network and project names are fixed (orion-cortex, orion-lab_lan, cortex, synapse), so a
second lab cannot run beside the first. A lab brought up under another state dir mounts that dir's key, secrets
and HDD: reusing it from here would pair its daemons with this dir's secrets, and replacing it would leave its
mounts and dockerd behind. So ``up``, ``down``, ``provision``, ``fault`` and ``heal`` refuse, naming the command
that works: the owner's ``orion lab down`` first, or the owner's ORION_STATE_DIR.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from orion.lab import engine
from orion.lab.errors import LabError
from orion.lab.paths import lab_state
from orion.lab.proc import run

#: Where the lab's host containers (project orion-lab) mount ``<state>/lab/ssh/id_ed25519.pub``.
KEY_MOUNT = "/run/lab/authorized_key"


def running_from() -> Path | None:
    """The ``<state>/lab`` whose key the running lab's host containers mount; None when no lab exists."""
    if not engine.engine_up():
        return None
    ids = run(["docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=orion-lab"], check=False)
    if not ids.stdout.split():
        return None
    proc = run(["docker", "inspect", "--format", "{{json .Mounts}}", *ids.stdout.split()], check=False)
    for line in proc.stdout.splitlines():
        for mount in json.loads(line or "[]") or []:
            if mount.get("Destination") == KEY_MOUNT and mount.get("Source"):
                return Path(mount["Source"]).parent.parent  # <lab>/ssh/id_ed25519.pub
    return None


def ensure_ours(action: str) -> str:
    """Raise LabError when a lab of another state dir is running; else say whose lab this is."""
    ours = lab_state()
    other = running_from()
    if other is None:
        return f"{ours} (no lab running)"
    if os.path.realpath(other) == os.path.realpath(ours):
        return f"{ours} (the running lab's)"
    raise LabError(
        f"a lab of another state dir is running (its files: {other}); this command's is {ours}. One lab runs per "
        f"Docker engine: `ORION_STATE_DIR={other.parent} orion lab down` first, or run `orion lab {action}` "
        f"with ORION_STATE_DIR={other.parent}"
    )
