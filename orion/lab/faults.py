"""The lab's faults: ``lab/faults/<REQ-ID>.<what>``, executables taking ``break`` or ``heal``."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orion.lab.errors import LabError
from orion.lab.paths import LAB_SRC, lab_state

FAULTS_DIR = LAB_SRC / "faults"
NAME = re.compile(r"^(?P<req>[A-Z]+-\d{2})\.(?P<what>[a-z0-9][a-z0-9-]*)$")


@dataclass(frozen=True)
class Fault:
    """One fault script: its requirement ID, what it breaks, and its one-line description."""

    name: str
    req: str
    what: str
    path: Path
    summary: str


def _summary(path: Path) -> str:
    for line in path.read_text().splitlines()[1:]:
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def list_faults() -> list[Fault]:
    """Every executable fault under ``lab/faults/``, sorted by name."""
    found = []
    for path in sorted(FAULTS_DIR.iterdir()) if FAULTS_DIR.is_dir() else []:
        match = NAME.match(path.name)
        if match and path.is_file() and os.access(path, os.X_OK):
            found.append(Fault(path.name, match["req"], match["what"], path, _summary(path)))
    return found


def find(name: str) -> Fault:
    """The fault named ``name``, or the only one whose name starts with it (``SEC-01`` works)."""
    faults = list_faults()
    exact = [f for f in faults if f.name == name]
    matches = exact or [f for f in faults if f.name.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LabError(f"no fault named {name!r} (see `orion lab faults`)")
    raise LabError(f"{name!r} is ambiguous: {', '.join(f.name for f in matches)}")


def apply(name: str, action: str) -> tuple[Fault, str]:
    """Run the fault's ``break`` or ``heal``; returns the fault and its output."""
    if action not in ("break", "heal"):
        raise LabError(f"unknown action {action!r}: break or heal")
    fault = find(name)
    env = {**os.environ, "ORION_LAB_STATE": str(lab_state())}
    proc = subprocess.run([str(fault.path), action], capture_output=True, text=True, env=env, timeout=120)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode:
        raise LabError(f"{fault.name} {action} failed (exit {proc.returncode}): {output or 'no output'}")
    return fault, output
