"""The lab proves the live checks: a healthy lab is green, each fault turns its own requirement red and no
unrelated critical check, heal turns it green again, and `orion lab down` leaves nothing behind.

Runs `orion` as a user would (subprocesses, as root). `make test` runs it after the engine's tests, under a state
dir of its own (`make lab-test`), so that it also proves the lab follows ORION_STATE_DIR. The `lab` fixture and the
helpers are in conftest.py / labkit.py, shared with the other files here.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from labkit import checks, orion, outcomes, red, until, unwell

from orion import catalogue
from orion.evidence_audit import missing_evidence

#: Faults that, as in real life, may break more than their own requirement: a stopped container is MAINT-04's
#: business too, Gluetun turns unhealthy (MAINT-04) while its tunnel is down, and media cannot be on an HDD that
#: is not mounted (MEDIA-05). Heal must clear these too.
ALSO_RED = {
    "MON-01.node-exporter-down": {"MAINT-04"},
    "TORR-01.tunnel-down": {"MAINT-04"},
    "INFRA-01.hdd-unmounted": {"MEDIA-05"},
}


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
        own = outcomes(record, req)
        assert "failed" in own.values(), f"{fault} did not fail a check of {req} (`error` is not enough): {own}"
        unrelated = red(record, cadence="critical") - {req} - ALSO_RED.get(fault, set())
        assert not unrelated, f"{fault} also turned unrelated critical requirements red: {sorted(unrelated)}"
        assert not (bare := missing_evidence(record)), f"{fault}: failures without evidence: {bare}"
    finally:
        healed = orion("lab", "heal", fault)
    assert healed.returncode == 0, healed.stdout + healed.stderr
    for healed_req in (req, *sorted(ALSO_RED.get(fault, ()))):
        record = until(tmp_path, healed_req, want_red=False)
        assert not unwell(record, healed_req), f"{healed_req} is not green after healing {fault}: {unwell(record)}"


def test_the_lab_is_green_again_after_all_faults(lab, tmp_path):
    record = until(tmp_path, None, want_red=False)
    assert not unwell(record), f"not wholly green after every heal: {json.dumps(unwell(record), indent=1)}"


def test_down_leaves_no_container_network_volume_mount_or_process_behind(lab):
    from orion import state
    from orion.lab import deploy, engine, hdd
    from orion.lab.paths import lab_state

    down = orion("lab", "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not state.lab_inventory().exists(), "down removes what up rendered"
    assert not subprocess.run(["pgrep", "-f", "wireguard-go|qbittorrent-nox|prometheus"], capture_output=True).stdout
    assert not any(hdd.is_mounted(p) for p in lab_state().glob("mnt/*/hdd"))
    engine.ensure_engine()  # containers, networks and volumes outlive a stopped engine: look with one running
    try:
        assert not {kind: ids for kind, ids in deploy.leftovers().items() if ids}
    finally:
        engine.stop_engine()
    again = orion("lab", "down")
    assert again.returncode == 0, "down is idempotent"
