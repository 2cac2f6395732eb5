"""Benchmark: remediation on the lab. For each `auto` entry of remediations/catalog.yml, the time from its lab
fault to its checks green again through `orion check --remediate` (what the 5-minute timer runs, without the wait
for the timer); and the overhead of `--remediate` on a healthy run (goal: none measurable).

It needs the lab up and healthy (`orion lab up`) and holds /tmp/orion-lab.lock while it runs. Each fault is
healed afterwards (and TORR-02's hold released: its remediation stops qBittorrent and leaves it stopped).
Run: `make bench` (after bench/ssh_checks.py), or `.venv/bin/python bench/remediation.py [--reps N] [--only ENTRY]`.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orion import catalogue
from orion.remediate import catalog as catalog_mod

LOCK = Path("/tmp/orion-lab.lock")
LIVE = "live and not disruptive"
#: How long a fault may take to show as a failed check (Prometheus scrapes every 30 s).
SHOW_S = 120


def orion(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orion.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


def record(state: Path) -> dict:
    return json.loads((state / "runs" / "latest.json").read_text(encoding="utf-8"))


#: One lab fault per auto entry, in the order they are timed (TORR-02 last: it stops qBittorrent, which must be
#: healthy again before anything else is measured). Checked against the catalogue at start.
FAULTS = {
    "restart-gateway": "TORR-01.tunnel-down",
    "start-container": "MAINT-04.container-exited",
    "start-monitoring": "MON-01.node-exporter-down",
    "reload-alertmanager": "MON-03.critical-unrouted",
    "reconverge-ssh": "SEC-01.password-auth",
    "reconverge-firewall": "SEC-02.ufw-disabled",
    "reconverge-logs": "MAINT-01.journald-unbounded",
    "reconverge-smartd": "MAINT-03.smartd-stopped",
    "stop-qbittorrent": "TORR-02.killswitch-off",
}


def faults() -> dict[str, str]:
    """FAULTS, after checking that it names every auto entry and only faults of their requirements."""
    reqs = {req.id: req for req in catalogue.load()}
    auto = {e.id: e for e in catalog_mod.load() if e.mode is catalog_mod.Mode.AUTO}
    if set(auto) != set(FAULTS):
        raise SystemExit(f"bench/remediation.py: FAULTS must name every auto entry: {sorted(set(auto) ^ set(FAULTS))}")
    for entry_id, fault in FAULTS.items():
        if fault not in reqs[auto[entry_id].req].faults:
            raise SystemExit(f"bench/remediation.py: {fault} is not a fault of {auto[entry_id].req}")
    return FAULTS


def green(state: Path, req: str) -> bool:
    """Run `req`'s checks until none fails or errs (a healed fault may take a scrape to clear), at most SHOW_S."""
    deadline = time.monotonic() + SHOW_S
    while True:
        orion("check", "--state-dir", str(state), "-m", LIVE, "--req", req)
        if not [c for c in record(state)["checks"] if c["outcome"] in ("failed", "error")]:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(3)


def fault_to_green(entry_id: str, fault: str, state: Path) -> str:
    """Break, then `orion check --remediate` until the fault shows and is remediated; the time, or why not."""
    req = catalog_mod.load()[entry_id].req
    start = time.monotonic()
    broke = orion("lab", "fault", fault)
    if broke.returncode != 0:
        return f"fault failed: {broke.stderr.strip()[-200:]}"
    try:
        deadline = start + SHOW_S
        while True:
            run = orion("check", "--state-dir", str(state), "-m", LIVE, "--req", req, "--remediate")
            mine = [c for c in record(state)["checks"] if c["outcome"] == "failed"]
            if mine:
                took = time.monotonic() - start
                fixes = [c.get("remediation") or {} for c in mine]
                if all(f.get("status") == "remediated" for f in fixes) and run.returncode == 0:
                    return f"{took:6.1f} s  ({len(mine)} failed check(s) remediated)"
                if entry_id == "stop-qbittorrent" and (state / "holds").exists() and any((state / "holds").iterdir()):
                    return f"{took:6.1f} s  contained: qBittorrent stopped and held (a person decides), as designed"
                why = "; ".join(f"{f.get('status')}: {f.get('reason', '')[:100]}" for f in fixes)
                return f"{took:6.1f} s  NOT green: {why}"
            if time.monotonic() > deadline:
                return f"the fault did not show within {SHOW_S} s"
            time.sleep(3)
    finally:
        for hold in (state / "holds").glob("*"):
            hold.unlink()
        orion("lab", "heal", fault)
        subprocess.run(["docker", "start", "qbittorrent"], capture_output=True, check=False)
        if not green(state, req):
            print(f"  (warning: {req} is not green {SHOW_S} s after healing {fault})")


def overhead(state: Path, reps: int) -> tuple[float, float]:
    """Median wall time of `orion check -m critical`, without and with --remediate, interleaved."""
    plain: list[float] = []
    remediate: list[float] = []
    for _ in range(reps):
        for extra, times in (([], plain), (["--remediate"], remediate)):
            start = time.monotonic()
            orion("check", "--state-dir", str(state), "-m", "critical", *extra)
            times.append(time.monotonic() - start)
    return statistics.median(plain), statistics.median(remediate)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the healthy runs (default 5)")
    parser.add_argument("--only", action="append", help="entry IDs to time (default: every auto entry)")
    parser.add_argument("--no-faults", action="store_true", help="only the overhead on a healthy run")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="orion-bench-remediation-"))
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            status = orion("check", "--state-dir", str(state), "-m", "critical")
            if status.returncode != 0:
                print(f"remediation bench skipped: the lab is not up and green (`orion check -m critical` exit "
                      f"{status.returncode}): run `orion lab up` first")  # fmt: skip
                return 0
            plain, remediate = overhead(state, args.reps)
            print(f"healthy `orion check -m critical`, median of {args.reps}:")
            print(f"  without --remediate {plain:6.2f} s")
            print(f"  with    --remediate {remediate:6.2f} s  (overhead {remediate - plain:+.2f} s)")
            if not args.no_faults:
                print("fault -> green again, through one `orion check --remediate` (per auto entry):")
                for entry_id, fault in faults().items():
                    if args.only and entry_id not in args.only:
                        continue
                    print(f"  {entry_id:<22} {fault:<32} {fault_to_green(entry_id, fault, state)}", flush=True)
        finally:
            shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
