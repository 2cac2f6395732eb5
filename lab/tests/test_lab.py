"""The lab proves the live checks: a healthy lab is green, each fault turns its own requirement red and no
unrelated critical check, heal turns it green again, and `orion lab down` leaves nothing behind.

Runs `orion` as a user would (subprocesses, as root). `make test` runs it after the engine's tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orion import catalogue

LIVE = "live and not disruptive"
#: Faults that, as in real life, may break more than their own requirement: a stopped container is MAINT-04's
#: business too, Gluetun turns unhealthy (MAINT-04) while its tunnel is down, and media cannot be on an HDD that
#: is not mounted (MEDIA-05). Heal must clear these too.
ALSO_RED = {
    "MON-01.node-exporter-down": {"MAINT-04"},
    "TORR-01.tunnel-down": {"MAINT-04"},
    "INFRA-01.hdd-unmounted": {"MEDIA-05"},
}
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


def unwell(record: dict, req: str | None = None) -> dict[str, str]:
    """Checks (of `req`, when given) that failed or could not observe, with their messages."""
    return {
        c["nodeid"]: c["message"]
        for c in record["checks"]
        if c["outcome"] in ("failed", "error") and req in (None, *c["req"])
    }


def until(state: Path, req: str, *, want_red: bool, everything: bool = False) -> dict:
    """Run `req`'s checks (every live check with `everything`) until `req` is red, or wholly green (no failure
    and no error), or SETTLE_S passes; the last record."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        record = checks(state) if everything else checks(state, "--req", req)
        done = req in red(record) if want_red else not unwell(record, req)
        if done or time.monotonic() > deadline:
            return record
        time.sleep(3)


@pytest.fixture(scope="module")
def lab():
    up = orion("lab", "up")
    assert up.returncode == 0, f"orion lab up failed:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
    print(up.stdout[-1500:])
    yield
    orion("lab", "down")


FAULTS = [(req.id, fault) for req in catalogue.load() for fault in req.faults]


def test_provisioning_again_changes_nothing(lab):
    again = orion("lab", "provision")
    assert again.returncode == 0, again.stdout + again.stderr
    assert ": 0 changed tasks" in " ".join(again.stdout.split()), again.stdout


def test_a_healthy_lab_passes_its_live_checks(lab, tmp_path):
    until(tmp_path, "MON-01", want_red=False)  # Prometheus has scraped once
    record = checks(tmp_path)
    assert not unwell(record), f"a healthy lab must be green: {json.dumps(unwell(record), indent=1)}"


@pytest.mark.parametrize(("req", "fault"), FAULTS, ids=[fault for _, fault in FAULTS])
def test_a_fault_turns_its_requirement_red_and_heal_green(lab, tmp_path, req, fault):
    broke = orion("lab", "fault", fault)
    assert broke.returncode == 0, broke.stdout + broke.stderr
    try:
        record = until(tmp_path, req, want_red=True, everything=True)  # the unrelated ones are looked at too
        assert req in red(record), f"{fault} did not turn {req} red: {record['summary']}"
        unrelated = red(record, cadence="critical") - {req} - ALSO_RED.get(fault, set())
        assert not unrelated, f"{fault} also turned unrelated critical requirements red: {sorted(unrelated)}"
    finally:
        healed = orion("lab", "heal", fault)
    assert healed.returncode == 0, healed.stdout + healed.stderr
    for healed_req in (req, *sorted(ALSO_RED.get(fault, ()))):
        record = until(tmp_path, healed_req, want_red=False)
        assert not unwell(record, healed_req), f"{healed_req} is not green after healing {fault}: {unwell(record)}"


def test_the_lab_is_green_again_after_all_faults(lab, tmp_path):
    record = checks(tmp_path)
    assert not red(record), f"still red after every heal: {sorted(red(record))}"


def test_down_leaves_no_container_network_volume_mount_or_process_behind(lab):
    from orion.lab import deploy, engine, hdd
    from orion.lab.paths import lab_state

    down = orion("lab", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not subprocess.run(["pgrep", "-f", "wireguard-go|qbittorrent-nox|prometheus"], capture_output=True).stdout
    assert not any(hdd.is_mounted(p) for p in lab_state().glob("mnt/*/hdd"))
    engine.ensure_engine()  # containers, networks and volumes outlive a stopped engine: look with one running
    try:
        assert not {kind: ids for kind, ids in deploy.leftovers().items() if ids}
    finally:
        engine.stop_engine()
    again = orion("lab", "down")
    assert again.returncode == 0, "down is idempotent"
