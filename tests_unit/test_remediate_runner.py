"""The remediation runner, with fake scripts in a temporary remediations dir: no lab, no network."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from orion import catalogue, inventory
from orion.remediate import audit, flow, lock, pending, policy, recheck, runs
from orion.remediate import catalog as catalog_mod
from tests_unit.remediate_fakes import INVENTORY, SECRET, check, remediations, run_record

DUMP_ENV = """python3 -c 'import json, os; json.dump(dict(os.environ), open("{}", "w"))'\n"""
NODEID = "checks/maintenance/test_containers.py::test_every_container_of_the_node_is_up_and_healthy[orion-cortex]"
FIX = """\
    fix:
      req: MAINT-04
      mode: auto
      summary: fix the fake fault
      run: fix
      target: {node: check, via: docker}
      budget: {attempts: 2, per: 1h}
      timeout: 5s
"""


@pytest.fixture
def lab(tmp_path, state, monkeypatch):
    """A fake homelab: a `fault` file means broken; the re-check reads it; scripts remove it."""
    state.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("ORION_TEST_QBT_PASSWORD", SECRET)
    monkeypatch.setenv("FAULT", str(tmp_path / "fault"))  # must NOT reach the scripts: their env is minimal
    (tmp_path / "inventory.yml").write_text(INVENTORY)
    (tmp_path / "fault").write_text("broken")
    calls: list[list[str]] = []

    def fake_recheck(nodeids, inventory_path, where):
        calls.append(list(nodeids))
        outcome = "failed" if (tmp_path / "fault").exists() else "passed"
        return {n: (outcome, "" if outcome == "passed" else "still broken") for n in nodeids}

    monkeypatch.setattr(recheck, "run", fake_recheck)
    lab = type("Lab", (), {})()
    lab.tmp, lab.state, lab.rechecks = tmp_path, state, calls
    lab.fault = tmp_path / "fault"

    def context(entries: str = FIX, scripts: dict[str, str] | None = None, dry_run: bool = False) -> flow.Context:
        script = f'echo "fixing on $ORION_HOST"; rm -f {tmp_path}/fault\n'
        folder = remediations(tmp_path, entries, scripts or {"fix": script})
        return flow.Context(state, inventory.load(tmp_path / "inventory.yml"), catalog_mod.load(folder),
                            catalogue.load(), dry_run=dry_run, say=lambda _: None)  # fmt: skip

    lab.context = context
    return lab


def test_a_failed_check_is_remediated_and_the_record_says_so(lab):
    body = run_record(lab.state, [check(NODEID, "MAINT-04")])
    assert flow.remediate(lab.context(), body) == 0
    saved = runs.load(lab.state)
    remediation = saved["checks"][0]["remediation"]
    assert remediation["id"] == "fix" and remediation["status"] == "remediated" and remediation["attempts"] == 1
    assert "fixing on orion-cortex" in remediation["output_tail"]
    assert saved["summary"]["remediated"] == 1 and saved["checks"][0]["outcome"] == "failed"
    assert lab.rechecks == [[NODEID]]
    events = audit.read(lab.state)
    assert [e["status"] for e in events] == ["remediated"] and events[0]["exit_code"] == 0


def test_a_check_in_error_or_skipped_triggers_nothing(lab):
    body = run_record(lab.state, [check(NODEID, "MAINT-04", "error"), check(NODEID + "x", "MAINT-04", "skipped")])
    assert flow.remediate(lab.context(), body) == 3
    assert lab.fault.exists() and not lab.rechecks
    assert audit.read(lab.state) == []
    assert all(c["remediation"] is None for c in runs.load(lab.state)["checks"])


def test_a_static_failure_is_left_to_the_repository(lab):
    body = run_record(lab.state, [check(NODEID, "MAINT-04", kind="static")])
    assert flow.remediate(lab.context(), body) == 1
    assert lab.fault.exists()
    assert "static check" in runs.load(lab.state)["checks"][0]["remediation"]["reason"]


def test_a_fault_that_comes_back_stops_at_its_budget_and_escalates_once(lab):
    ctx = lab.context()
    for _ in range(2):  # the budget: 2 attempts per hour; the fault comes back after each fix
        lab.fault.write_text("broken again")
        body = run_record(lab.state, [check(NODEID, "MAINT-04")])
        assert flow.remediate(ctx, body) == 0
    for _ in range(3):
        lab.fault.write_text("broken again")
        body = run_record(lab.state, [check(NODEID, "MAINT-04")])
        assert flow.remediate(ctx, body) == 1
        assert lab.fault.exists(), "nothing more is attempted once the budget is spent"
    statuses = [e["status"] for e in audit.read(lab.state)]
    assert statuses == ["remediated", "remediated", "escalated", "skipped", "skipped"]
    reasons = [c["remediation"]["reason"] for c in runs.load(lab.state)["checks"]]
    assert "escalated at" in reasons[0]
    first_escalation = next(e for e in audit.read(lab.state) if e["status"] == "escalated")
    assert (
        "gave up after 2 attempts" in first_escalation["reason"] and "a person is needed" in first_escalation["reason"]
    )


def test_a_check_slow_to_turn_green_is_checked_again_within_its_settle_time(lab, monkeypatch):
    """Prometheus sees a restarted exporter at its next scrape: `settle` gives the re-check that long."""
    seen: list[int] = []

    def green_at_the_third_look(nodeids, inventory_path, where):
        seen.append(len(seen))
        return {n: ("passed", "") if len(seen) >= 3 else ("failed", "not yet") for n in nodeids}

    monkeypatch.setattr(recheck, "run", green_at_the_third_look)
    monkeypatch.setattr(flow, "SETTLE_ROUND_S", 0.01)
    ctx = lab.context(FIX + "      settle: 30s\n")
    assert flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")])) == 0
    assert len(seen) == 3 and runs.load(lab.state)["checks"][0]["remediation"]["status"] == "remediated"
    seen.clear()
    ctx = lab.context()  # no settle: one look
    assert flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")])) == 1
    assert len(seen) == 1 and runs.load(lab.state)["checks"][0]["remediation"]["status"] == "still-failing"


def test_cooldown_and_back_off_hold_across_runs(lab):
    entries = FIX.replace("budget: {attempts: 2, per: 1h}", "budget: {attempts: 5, per: 1h}\n      cooldown: 10m")
    ctx = lab.context(entries, {"fix": "echo 'no luck'\n"})
    body = run_record(lab.state, [check(NODEID, "MAINT-04")])
    assert flow.remediate(ctx, body) == 1
    assert runs.load(lab.state)["checks"][0]["remediation"]["status"] == "still-failing"
    body = run_record(lab.state, [check(NODEID, "MAINT-04")])
    flow.remediate(ctx, body)
    assert runs.load(lab.state)["checks"][0]["remediation"]["reason"].startswith("orion-cortex: cooldown: next attempt")
    entry = ctx.catalog["fix"]
    db = policy.connect(lab.state)
    now = time.time()
    policy.record(db, "r-x", None, entry, "orion-cortex", "still-failing", at=now - 601)
    decision = policy.decide(db, entry, "orion-cortex", now)  # two misses in a row: 10 min * 2
    assert not decision.allowed and decision.reason.startswith("back-off after 2 attempts")
    assert policy.decide(db, entry, "orion-cortex", now + 1200).allowed
    db.close()


def test_a_script_that_hangs_is_killed_at_its_timeout_with_its_children(lab):
    pids = lab.tmp / "pids"
    hang = f"sleep 300 & echo $! > {pids}; echo $$ >> {pids}; sleep 300\n"
    ctx = lab.context(FIX.replace("timeout: 5s", "timeout: 1s"), {"fix": hang})
    start = time.monotonic()
    assert flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")])) == 1
    assert time.monotonic() - start < 10
    remediation = runs.load(lab.state)["checks"][0]["remediation"]
    assert remediation["status"] == "still-failing" and "killed at its timeout" in remediation["output_tail"]
    time.sleep(0.2)
    for pid in map(int, pids.read_text().split()):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_dry_run_changes_nothing_and_says_what_it_would_run(lab):
    said: list[str] = []
    ctx = lab.context(dry_run=True)
    ctx.say = said.append
    body = run_record(lab.state, [check(NODEID, "MAINT-04")])
    before = (lab.state / "runs" / "latest.json").read_text()
    assert flow.remediate(ctx, body) == 1
    assert lab.fault.exists() and not lab.rechecks
    assert (lab.state / "runs" / "latest.json").read_text() == before
    assert not (lab.state / audit.AUDIT_NAME).exists()
    assert any("would run" in line and "/remediations/fix" in line and "orion-cortex" in line for line in said)


def test_scripts_get_a_minimal_environment_and_only_their_named_secrets(lab):
    dump = lab.tmp / "env.json"
    script = DUMP_ENV.format(dump) + 'echo "$ORION_SECRET_QBITTORRENT_PASSWORD"\n'
    entries = FIX + "      secrets: [qbittorrent.password]\n"
    ctx = lab.context(entries, {"fix": script})
    flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")]))
    env = json.loads(dump.read_text())
    assert env["ORION_HOST"] == "orion-cortex" and env["ORION_NODE"] == "cortex" and env["ORION_REQ"] == "MAINT-04"
    assert env["ORION_CHECK"] == NODEID and env["DOCKER_HOST"] == "unix:///nonexistent.sock"
    assert env["ORION_DOCKER_PROJECT"] == "cortex" and env["ORION_SECRET_QBITTORRENT_PASSWORD"] == SECRET
    assert "FAULT" not in env and "ORION_TEST_QBT_PASSWORD" not in env
    tail = runs.load(lab.state)["checks"][0]["remediation"]["output_tail"]
    assert SECRET not in tail and SECRET not in (lab.state / audit.AUDIT_NAME).read_text()


def test_without_secrets_named_a_script_gets_none(lab):
    dump = lab.tmp / "env.json"
    ctx = lab.context(
        FIX, {"fix": f'python3 -c \'import json,os; json.dump(dict(os.environ), open("{dump}", "w"))\'\n'}
    )
    flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")]))
    assert not [k for k in json.loads(dump.read_text()) if k.startswith("ORION_SECRET")]


def test_confirm_records_a_pending_action_that_a_person_approves(lab):
    entries = FIX.replace("mode: auto", "mode: confirm\n      reason: it deletes files, a person approves")
    ctx = lab.context(entries)
    assert flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")])) == 1
    assert lab.fault.exists()
    [item] = pending.all_pending(lab.state)
    assert f"--approve {item.id}" in runs.load(lab.state)["checks"][0]["remediation"]["reason"]
    flow.remediate(ctx, run_record(lab.state, [check(NODEID, "MAINT-04")]))
    assert len(pending.all_pending(lab.state)) == 1, "one request per entry and host, not one per run"
    assert flow.approve(ctx, item.id) == 0
    assert not lab.fault.exists() and not pending.all_pending(lab.state)
    assert runs.load(lab.state)["checks"][0]["remediation"]["status"] == "remediated"
    assert [e["status"] for e in audit.read(lab.state)][-1] == "remediated"


def test_never_says_why_and_runs_nothing(lab):
    entries = (
        "never:\n  req: MAINT-04\n  mode: never\n  reason: a person must look at this one\n  summary: alert only\n"
    )
    assert flow.remediate(lab.context(entries), run_record(lab.state, [check(NODEID, "MAINT-04")])) == 1
    remediation = runs.load(lab.state)["checks"][0]["remediation"]
    assert remediation["status"] == "skipped" and "never: a person must look" in remediation["reason"]


def test_a_check_with_no_entry_is_skipped_with_the_requirement_reason(lab):
    body = run_record(lab.state, [check("checks/x.py::test_y[orion-cortex]", "MAINT-06")])
    assert flow.remediate(lab.context(), body) == 1
    assert "never: an unexpected open port" in runs.load(lab.state)["checks"][0]["remediation"]["reason"]


def test_the_lock_lets_one_run_at_a_time(tmp_path):
    entered = threading.Event()
    release = threading.Event()

    def first() -> None:
        with lock.hold(tmp_path, "first"):
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    entered.wait(5)
    with (
        pytest.raises(lock.Busy, match=r"another Orion run holds .*orion.lock \(pid \d+, first"),
        lock.hold(tmp_path, "second", wait=0.5),
    ):
        pass
    threading.Timer(0.3, release.set).start()
    with lock.hold(tmp_path, "third", wait=5):  # waits for the first, then runs
        pass
    thread.join()


def test_a_second_orion_remediate_exits_cleanly_while_the_lock_is_held(lab, tmp_path):
    import subprocess
    import sys

    folder = remediations(tmp_path, FIX, {"fix": "true\n"})
    run_record(lab.state, [check(NODEID, "MAINT-04")])
    holder = subprocess.Popen(["flock", str(lab.state / "orion.lock"), "sleep", "30"])
    try:
        time.sleep(0.3)
        env = {**os.environ, "ORION_LOCK_WAIT": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "orion.cli", "remediate", f"--inventory={tmp_path / 'inventory.yml'}",
             f"--remediations={folder}", f"--state-dir={lab.state}"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2
    assert "another Orion run holds" in proc.stderr and "Traceback" not in proc.stderr
    assert lab.fault.exists() and audit.read(lab.state) == []


def test_the_record_summary_counts_remediated_and_the_history_keeps_attempts(lab):
    flow.remediate(lab.context(), run_record(lab.state, [check(NODEID, "MAINT-04")]))
    db = policy.connect(lab.state)
    rows = db.execute("SELECT entry, host, status FROM remediations").fetchall()
    runs_row = db.execute("SELECT remediated FROM runs").fetchone()
    db.close()
    assert rows == [("fix", "orion-cortex", "remediated")] and runs_row == (1,)


def test_path_of_refuses_a_path_for_a_run_id(tmp_path: Path):
    with pytest.raises(ValueError):
        runs.path_of(tmp_path, "../../etc/passwd")


ROLES = """\
    {id}:
      req: {req}
      mode: auto
      summary: re-apply a role
      run: role
      args: [{args}]
      target: {{node: check, via: ssh}}
      timeout: {timeout}
      batch: {batch}
"""
SSH_NODE = "checks/security/test_ssh.py::test_password_auth_is_off[orion-cortex]"
LOGS_NODE = "checks/maintenance/test_log_rotation.py::test_logrotate_is_installed[orion-cortex]"
SMART_NODE = "checks/maintenance/test_smart.py::test_smartd_runs[orion-cortex]"


def test_batch_entries_on_one_host_share_one_call_with_their_args_joined(lab):
    calls = lab.tmp / "calls"
    rows = (
        ("ssh", "SEC-01", "ssh", "5s", "true"),
        ("logs", "MAINT-01", "maintenance", "9s", "true"),
        ("smart", "MAINT-03", "maintenance", "5s", "true"),
        ("alone", "SEC-02", "firewall", "5s", "false"),
    )
    entries = "".join(ROLES.format(id=i, req=r, args=a, timeout=t, batch=b) for i, r, a, t, b in rows)
    script = f'echo "$* | $ORION_ENTRY | $ORION_REQ" >> {calls}; rm -f {lab.fault}\n'
    ctx = lab.context(entries, {"role": script})
    body = run_record(lab.state, [check(SSH_NODE, "SEC-01"), check(LOGS_NODE, "MAINT-01"),
                                  check(SMART_NODE, "MAINT-03"), check(NODEID, "SEC-02")])  # fmt: skip
    assert flow.remediate(ctx, body) == 0
    assert calls.read_text().splitlines() == [
        "ssh maintenance | ssh,logs,smart | SEC-01,MAINT-01,MAINT-03",  # one call, each arg once, catalogue order
        "firewall | alone | SEC-02",  # not a batch entry: a call of its own
    ]
    events = audit.read(lab.state)
    assert sorted(e["entry"] for e in events) == ["alone", "logs", "smart", "ssh"], "one audit line per entry"
    assert {e["status"] for e in events} == {"remediated"}
    assert len({e["action"] for e in events}) == 4
    statuses = {c["nodeid"]: c["remediation"]["id"] for c in runs.load(lab.state)["checks"]}
    assert statuses == {SSH_NODE: "ssh", LOGS_NODE: "logs", SMART_NODE: "smart", NODEID: "alone"}


def test_batch_entries_on_different_hosts_make_one_call_per_host(lab):
    calls = lab.tmp / "calls"
    ctx = lab.context(ROLES.format(id="ssh", req="SEC-01", args="ssh", timeout="5s", batch="true"),
                      {"role": f'echo "$ORION_HOST $*" >> {calls}; rm -f {lab.fault}\n'})  # fmt: skip
    synapse = SSH_NODE.replace("orion-cortex", "orion-synapse")
    body = run_record(lab.state, [check(SSH_NODE, "SEC-01"), check(synapse, "SEC-01", host="orion-synapse")])
    assert flow.remediate(ctx, body) == 0
    assert sorted(calls.read_text().splitlines()) == ["orion-cortex ssh", "orion-synapse ssh"]


def test_calls_for_different_hosts_run_side_by_side_and_one_hosts_in_catalogue_order(lab):
    """Each host's script waits (5 s at most) for the other host's to have started: only side by side can both
    see it. On cortex, the second entry runs after the first is done."""
    calls, seen = lab.tmp / "calls", lab.tmp / "seen"
    seen.mkdir()
    wait_for_other = (f'touch {seen}/"$ORION_HOST"; i=0; while [ "$(ls {seen} | wc -l)" -lt 2 ] && [ $i -lt 50 ]; '
                      f'do sleep 0.1; i=$((i+1)); done; [ "$(ls {seen} | wc -l)" -eq 2 ] || exit 1\n'
                      f'echo "$ORION_HOST $ORION_ENTRY" >> {calls}; rm -f {lab.fault}\n')  # fmt: skip
    entries = "".join(ROLES.format(id=i, req=r, args=a, timeout="9s", batch="false")
                      for i, r, a in (("first", "SEC-01", "ssh"), ("second", "MAINT-01", "maintenance")))  # fmt: skip
    ctx = lab.context(entries, {"role": wait_for_other})
    synapse = SSH_NODE.replace("orion-cortex", "orion-synapse")
    body = run_record(lab.state, [check(SSH_NODE, "SEC-01"), check(synapse, "SEC-01", host="orion-synapse"),
                                  check(LOGS_NODE, "MAINT-01")])  # fmt: skip
    assert flow.remediate(ctx, body) == 0
    lines = calls.read_text().splitlines()
    assert sorted(lines) == ["orion-cortex first", "orion-cortex second", "orion-synapse first"]
    assert lines.index("orion-cortex first") < lines.index("orion-cortex second")
