"""What the lab's tests share: `orion` run as a user would (a subprocess, as root), and readers of run records.

The lab is the one of the environment's state dir ($ORION_STATE_DIR, as for `orion lab`); `checks` writes its run
records under its own `state` (a pytest tmp_path), and finds the lab's inventory the way `orion check` does.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LIVE = "live and not disruptive"
#: How long a fault may take to show (Prometheus must scrape, a daemon must notice), and a heal to clear.
SETTLE_S = 90
#: xdist workers for a run of many checks: they mostly wait on the lab (HTTP, SSH, `docker exec`), so a run of
#: every live check takes about half as long on two cores. A run of a few requirements stays in one process: a
#: worker's start costs more than it saves there.
WORKERS = 3
MANY_REQS = 4
FAULTS = Path(__file__).resolve().parents[1] / "faults"


def orion(*args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orion.cli", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def checks(state: Path, *args: str) -> dict:
    """Run the live checks against the lab (every one, or those of the `--req` given); the run record."""
    result = orion("check", "--state-dir", str(state), "-m", LIVE, *workers(args), *args, timeout=600)
    assert result.returncode in (0, 1, 3), result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((state / "runs" / "latest.json").read_text())


def workers(args: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """xdist's arguments for a run of `orion check ARGS`: WORKERS for every live check or many requirements."""
    reqs = list(args).count("--req")
    return ("-n", str(WORKERS), "--dist", "worksteal") if reqs == 0 or reqs > MANY_REQS else ()


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
    record returned is of a run of every live check (so that the caller sees what else turned red): the first
    run is one, and most faults show by its end; green, the last run of `reqs`'s checks (what else is green is the
    next group's, and the last test's, to prove)."""
    started = time.monotonic()
    only = [a for req in sorted(reqs) for a in ("--req", req)]
    everything = want_red
    while True:
        record = checks(state) if everything else checks(state, *only)
        waiting = reqs - red(record) if want_red else {req for req in reqs if unwell(record, req)}
        elapsed = time.monotonic() - started
        print(f"  {'red' if want_red else 'green'} after {elapsed:.0f} s: waiting for {sorted(waiting) or 'nothing'}",
              flush=True)  # fmt: skip
        if not waiting or elapsed > SETTLE_S:
            return record if everything or not want_red else checks(state)
        everything = False
        time.sleep(3)


#: What a fault script acts on, read from its text: `ctr PROJECT SERVICE`, and the helpers and APIs that stand for
#: one. qBittorrent lives in Gluetun's network namespace: one thing to act on.
TOUCHES = (
    (re.compile(r"\bctr ([a-z-]+) ([a-z0-9-]+)"), None),
    (re.compile(r"_backup\.sh"), "synapse/restic"),
    (re.compile(r"\btunnel_(route|reset|hosts)\b"), "cortex/cloudflared"),
    (re.compile(r"jellyfin_api_key|127\.0\.0\.1:18096"), "cortex/jellyfin"),
    (re.compile(r"radarr_api_key|127\.0\.0\.1:17878"), "cortex/radarr"),
    (re.compile(r"mnt/cortex/hdd"), "cortex/hdd"),  # the HDD image, as the lab machine mounts it
)
ALIASES = {"cortex/qbittorrent": "cortex/gluetun"}


def touches(fault: str) -> set[str]:
    """The containers (PROJECT/SERVICE) fault script `fault` acts on; {"?"} when its text names none."""
    text = (FAULTS / fault).read_text()
    found = set()
    for pattern, name in TOUCHES:
        found |= {name or f"{m[1]}/{m[2]}" for m in pattern.finditer(text)}
    return {ALIASES.get(t, t) for t in found} or {"?"}


def lanes(faults: list[str]) -> list[list[str]]:
    """Faults in lanes: the faults of a lane act on a shared container and run one after another, in order;
    lanes share nothing and run side by side."""
    out: list[tuple[set[str], list[str]]] = []
    for fault in faults:
        mine = touches(fault)
        joined = [lane for lane in out if lane[0] & mine]
        merged = (mine.union(*(t for t, _ in joined)), [f for _, fs in joined for f in fs] + [fault])
        out = [lane for lane in out if lane not in joined] + [merged]
    return [sorted(fs, key=faults.index) for _, fs in out]


def apply(action: str, faults: list[str]) -> dict[str, subprocess.CompletedProcess]:
    """`orion lab ACTION FAULT` for each fault, lane by lane side by side (heal goes through a lane backwards)."""

    def run(lane: list[str]) -> list[tuple[str, subprocess.CompletedProcess]]:
        order = lane if action == "fault" else list(reversed(lane))
        return [(fault, orion("lab", action, fault)) for fault in order]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return {f: done for lane in pool.map(run, lanes(faults)) for f, done in lane}
