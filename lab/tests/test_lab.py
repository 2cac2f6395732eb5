"""The lab proves the live checks: a healthy lab is green, each fault turns its own requirement red and no
unrelated critical check, heal turns it green again, and `orion lab down` leaves nothing behind.

Faults run in groups (see `group`): the faults of a group break together, one run of every live check looks at
them all, and they heal together. A group never holds two faults of one requirement, so each red has one cause;
the faults that many checks stand on (ALONE) run alone. This keeps the lab stage's time nearly flat as faults are
added.

Runs `orion` as a user would (subprocesses, as root). `make test` runs it after the engine's tests, under a state
dir of its own (`make lab-test`), so that it also proves the lab follows ORION_STATE_DIR. The `lab` fixture and the
helpers are in conftest.py / labkit.py, shared with the other files here.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from labkit import apply, checks, lanes, orion, outcomes, red, touches, until, until_all, unwell

from orion import catalogue
from orion.evidence_audit import missing_evidence

#: Faults that, as in real life, may break more than their own requirement: a stopped container is MAINT-04's
#: business too (and a stopped Jellyfin is MEDIA-01's and MEDIA-03's), Gluetun turns unhealthy (MAINT-04) while
#: its tunnel is down, and media cannot be on an HDD that is not mounted (MEDIA-05, MEDIA-01). Heal must clear these
#: too.
#: The BACKUP checks read the jobs' metrics from Prometheus, and BACKUP-07 reads the repositories BACKUP-03 and
#: BACKUP-06's faults cut off or damage.
BACKUP_METRICS = {"BACKUP-01", "BACKUP-02", "BACKUP-03", "MAINT-02"}
ALSO_RED = {
    "MON-01.node-exporter-down": {"MAINT-04", *BACKUP_METRICS},
    "MON-01.job-removed": BACKUP_METRICS,
    "TORR-01.tunnel-down": {"MAINT-04"},
    "INFRA-01.hdd-unmounted": {"MEDIA-05", "MEDIA-01"},  # the media libraries live on the HDD
    "MEDIA-05.hdd-full": {"BACKUP-03"},  # the repository's disk is near capacity too
    # The stopped container is Jellyfin; behind a route that lost Authelia it is also Caddy's 502 for PROXY-01/04
    # and SEC-06, which would hide their own Jellyfin faults: they never share a group with it.
    "MAINT-04.container-exited": {"MEDIA-01", "MEDIA-03", "SEC-06", "PROXY-01", "PROXY-04"},
    "BACKUP-03.offsite-unreachable": {"BACKUP-07"},
    "BACKUP-03.offsite-password-replaced": {"BACKUP-07"},
    "BACKUP-06.data-flipped": {"BACKUP-07"},
    "PROXY-05.deep-in-tunnel": {"PROXY-03"},  # a deep host in the tunnel: the public set is not exact either
    "PROXY-05.tunnel-only-host": {"PROXY-03"},
    "LLM-02.webui-unprotected": {"SEC-06"},
    "LLM-02.webui-unhealthy": {"MAINT-04"},
    "LLM-03.bot-stopped": {"MAINT-04"},
    "LLM-05.loki-down": {"MAINT-04", "MON-02"},  # no log reaches a stopped Loki
    "MON-02.shipper-stopped": {"MAINT-04"},
    # Prometheus is what the metric checks read: they cannot be green while it is stopped.
    "LLM-04.prometheus-down": {"MAINT-04", "MON-01", "MON-04", "MON-05", "MEDIA-03", "TORR-04", *BACKUP_METRICS},
}


#: Faults that break something many checks stand on: they never share a group with the others. Two of them share
#: one when they touch neither a requirement nor a container in common (the HDD full and the tunnel down; the HDD
#: unmounted and Prometheus stopped): what each breaks besides its own is in ALSO_RED, so neither hides the other.
ALONE = {"INFRA-01.hdd-unmounted", "MEDIA-05.hdd-full", "TORR-01.tunnel-down", "LLM-04.prometheus-down"}
#: Faults per group: enough to keep `make test` short, few enough that a slow fault does not hold many others.
GROUP_SIZE = 12


def group(faults: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Faults in groups that are broken together and checked in one run: a group never holds two faults that
    touch the same requirement (its own, or one in ALSO_RED), so each requirement's red has one cause; the
    ALONE faults share a group only with each other, and only when they act on different containers."""
    groups: list[list[tuple[str, str]]] = []
    for req, fault in faults:
        touched = {req} | ALSO_RED.get(fault, set())
        alone = fault in ALONE
        home = next((g for g in groups if len(g) < GROUP_SIZE and not touched & _touched(g)
                     and all((f in ALONE) == alone for _, f in g)
                     and not (alone and touches(fault) & {t for _, f in g for t in touches(f)})), None)  # fmt: skip
        if home is None:
            groups.append(home := [])
        home.append((req, fault))
    return groups


def _touched(faults: list[tuple[str, str]]) -> set[str]:
    return {r for req, fault in faults for r in (req, *ALSO_RED.get(fault, ()))}


GROUPS = group([(req.id, fault) for req in catalogue.load() for fault in req.faults])


def test_provisioning_again_changes_nothing(lab):
    """Run after every other test (conftest.LAST): Ansible finds nothing to change after every fault was healed."""
    again = orion("lab", "provision")
    assert again.returncode == 0, again.stdout + again.stderr
    assert ": 0 changed tasks" in " ".join(again.stdout.split()), again.stdout


def test_a_healthy_lab_passes_its_live_checks(lab, tmp_path):
    until(tmp_path, "MON-01", want_red=False)  # Prometheus has scraped once
    record = checks(tmp_path)
    assert not unwell(record), f"a healthy lab must be green: {json.dumps(unwell(record), indent=1)}"


def test_the_fault_groups_keep_requirements_apart():
    every = [fault for g in GROUPS for _, fault in g]
    assert len(every) == len(set(every)), "a fault is in two groups"
    for g in GROUPS:
        reqs = [r for req, fault in g for r in (req, *ALSO_RED.get(fault, ()))]
        assert len(reqs) == len(set(reqs)), f"two faults of one group touch the same requirement: {g}"


def test_every_fault_script_names_what_it_acts_on():
    """Faults run side by side only when they act on different containers: a script whose text names none would
    share the lane of unknowns, which is safe but slow."""
    every = [fault for g in GROUPS for _, fault in g]
    assert not [f for f in every if touches(f) == {"?"}]
    assert sorted(f for lane in lanes(every) for f in lane) == sorted(every)


@pytest.mark.parametrize("faults", GROUPS, ids=["+".join(f for _, f in g) for g in GROUPS])
def test_faults_turn_their_requirements_red_and_heal_green(lab, tmp_path, faults):
    """Break every fault of the group (lane by lane side by side: see labkit.lanes), look at everything once they
    show, then heal them all."""
    broken: list[str] = []
    try:
        broke = apply("fault", [fault for _, fault in faults])
        broken = [fault for fault, done in broke.items() if done.returncode == 0]
        failed = {fault: done.stdout + done.stderr for fault, done in broke.items() if done.returncode != 0}
        assert not failed, f"could not break: {failed}"
        reqs = {req for req, _ in faults}
        record = until_all(tmp_path, reqs, want_red=True)
        wrong = {}
        for req, fault in faults:
            own = outcomes(record, req)
            if "failed" not in own.values():
                wrong[fault] = f"did not fail a check of {req} (`error` is not enough): {own}"
        assert not wrong, json.dumps(wrong, indent=1)
        unrelated = red(record, cadence="critical") - _touched(faults)
        assert not unrelated, f"{broken} also turned unrelated critical requirements red: {sorted(unrelated)}"
        assert not (bare := missing_evidence(record)), f"{broken}: failures without evidence: {bare}"
    finally:
        healed = apply("heal", broken)
    assert all(h.returncode == 0 for h in healed.values()), {f: h.stdout + h.stderr for f, h in healed.items()}
    record = until_all(tmp_path, _touched(faults), want_red=False)
    assert not unwell(record), f"not green after healing {broken}: {json.dumps(unwell(record), indent=1)}"


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
