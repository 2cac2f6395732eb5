"""Run some checks again, by node ID, after a remediation: in a child pytest with a scratch state directory,
so the re-check adds no run of its own to the history. The pinned host keys come along (read only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from orion import PROJECT_ROOT

TIMEOUT_S = 600


def run(nodeids: list[str], inventory: Path | None, state: Path) -> dict[str, tuple[str, str]]:
    """{nodeid: (outcome, message)} for the checks run again; a check that did not run is `error`."""
    if not nodeids:
        return {}
    scratch = Path(tempfile.mkdtemp(prefix=".recheck-", dir=state))
    try:
        if (state / "known_hosts").exists():
            shutil.copy2(state / "known_hosts", scratch / "known_hosts")
        argv = [sys.executable, "-m", "pytest", f"--rootdir={PROJECT_ROOT}", "-p", "no:cacheprovider",
                "-p", "orion.plugin", "-q", "--tb=no", "--no-header", f"--state-dir={scratch}",
                *([f"--inventory={inventory}"] if inventory else []),
                *(str(PROJECT_ROOT / nodeid) for nodeid in nodeids)]  # fmt: skip
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        try:
            subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return {n: ("error", f"the re-check took over {TIMEOUT_S} s") for n in nodeids}
        latest = scratch / "runs" / "latest.json"
        found = {}
        if latest.exists():
            body = json.loads(latest.read_text(encoding="utf-8"))
            found = {c["nodeid"]: (c["outcome"], c["message"]) for c in body.get("checks", [])}
        return {n: found.get(n, ("error", "the re-check did not run this check")) for n in nodeids}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
