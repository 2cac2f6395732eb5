"""What the lab's tests share: `orion` run as a user would (a subprocess, as root), and readers of run records.

The lab is the one of the environment's state dir ($ORION_STATE_DIR, as for `orion lab`); `checks` writes its run
records under its own `state` (a pytest tmp_path), and finds the lab's inventory the way `orion check` does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

LIVE = "live and not disruptive"
#: How long a fault may take to show (Prometheus must scrape, a daemon must notice), and a heal to clear.
SETTLE_S = 90


def orion(*args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orion.cli", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def checks(state: Path, *args: str) -> dict:
    """Run the live checks against the lab; the run record."""
    result = orion("check", "--state-dir", str(state), "-m", LIVE, *args, timeout=600)
    assert result.returncode in (0, 1, 3), result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((state / "runs" / "latest.json").read_text())


def red(record: dict, *, cadence: str | None = None) -> set[str]:
    """Requirements with a failed check (of `cadence`, when given)."""
    return {
        req
        for c in record["checks"]
        if c["outcome"] == "failed" and cadence in (None, c["cadence"])
        for req in c["req"]
    }


def outcomes(record: dict, req: str) -> dict[str, str]:
    """Each check of `req`, with its outcome."""
    return {c["nodeid"]: c["outcome"] for c in record["checks"] if req in c["req"]}


def unwell(record: dict, req: str | None = None) -> dict[str, str]:
    """Checks (of `req`, when given) that failed or could not observe, with their messages."""
    return {
        c["nodeid"]: c["message"]
        for c in record["checks"]
        if c["outcome"] in ("failed", "error") and req in (None, *c["req"])
    }


def until(state: Path, req: str | None, *, want_red: bool, everything: bool = False) -> dict:
    """Run `req`'s checks (every live check with `everything`, or when `req` is None) until `req` is red, or wholly
    green (no failure and no error), or SETTLE_S passes; the last record."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        record = checks(state) if everything or req is None else checks(state, "--req", req)
        done = req in red(record) if want_red else not unwell(record, req)
        if done or time.monotonic() > deadline:
            return record
        time.sleep(3)


def until_all(state: Path, reqs: set[str], *, want_red: bool) -> dict:
    """Run the checks of `reqs` until each is red (want_red) or each is wholly green, or SETTLE_S passes. Red, the
    record returned is of one more run of every live check (so that the caller sees what else turned red); green,
    the last run of `reqs`'s checks (what else is green is the next group's, and the last test's, to prove)."""
    started = time.monotonic()
    only = [a for req in sorted(reqs) for a in ("--req", req)]
    while True:
        record = checks(state, *only)
        waiting = reqs - red(record) if want_red else {req for req in reqs if unwell(record, req)}
        elapsed = time.monotonic() - started
        print(f"  {'red' if want_red else 'green'} after {elapsed:.0f} s: waiting for {sorted(waiting) or 'nothing'}",
              flush=True)  # fmt: skip
        if not waiting or elapsed > SETTLE_S:
            return checks(state) if want_red else record
        time.sleep(3)
