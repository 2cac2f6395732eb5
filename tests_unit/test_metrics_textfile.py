"""Orion's textfile for node-exporter: valid exposition format (promtool says so), written atomically, the latest
result of every check whatever selection ran it, and an error that is not mistaken for a pass or a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from orion import history, record
from orion.report import metrics

NOW = 1_796_000_000.0
CADENCES = {"SEC-01": "critical", "TORR-01": "critical", "BACKUP-01": "daily", "MON-01": "critical"}


def check(nodeid: str, req: str, outcome: str, *, host: str = "synapse", cadence: str = "critical",
          remediation: dict | None = None, duration: float = 0.5) -> dict:  # fmt: skip
    return {"nodeid": nodeid, "req": [req], "host": host, "outcome": outcome, "duration_s": duration,
            "cadence": cadence, "remediation": remediation, "message": "", "evidence": {}}  # fmt: skip


def body(run_id: str, *checks: dict) -> dict:
    return {"run_id": run_id, "started": "2026-12-02T08:00:00Z", "finished": "2026-12-02T08:00:12.500Z",
            "checks": list(checks)}  # fmt: skip


def samples(path: Path) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    }


@pytest.fixture
def textfile(tmp_path: Path) -> Path:
    path = tmp_path / "textfile"
    path.mkdir()
    return path


def test_statuses_durations_and_the_requirement(tmp_path, textfile):
    run = body(
        "r1",
        check("checks/a.py::test_sshd[cortex]", "SEC-01", "passed", host="cortex"),
        check("checks/a.py::test_sshd[synapse]", "SEC-01", "failed"),
        check("checks/t.py::test_tunnel", "TORR-01", "failed", remediation={"status": "remediated"}),
        check("checks/m.py::test_prom", "MON-01", "error"),
        check("checks/m.py::test_skipped", "MON-01", "skipped"),
    )
    written = metrics.update(tmp_path / "state", run, textfile, requirements=CADENCES, now=NOW)
    found = samples(written.path)
    assert found['orion_check_status{requirement="SEC-01",host="cortex",check="test_sshd"}'] == 1
    assert found['orion_check_status{requirement="SEC-01",host="synapse",check="test_sshd"}'] == 0
    assert found['orion_check_status{requirement="TORR-01",host="synapse",check="test_tunnel"}'] == 1  # remediated
    assert 'orion_check_status{requirement="MON-01",host="synapse",check="test_prom"}' not in found  # never observed
    assert found['orion_check_unobserved{requirement="MON-01",host="synapse",check="test_prom"}'] == 1
    assert not any("test_skipped" in key for key in found)
    assert found['orion_requirement_status{requirement="SEC-01",cadence="critical"}'] == 0
    assert found['orion_requirement_status{requirement="TORR-01",cadence="critical"}'] == 1
    assert found['orion_check_duration_seconds{requirement="SEC-01",host="cortex",check="test_sshd"}'] == 0.5
    assert found['orion_run_duration_seconds{cadence="critical"}'] == 12.5
    assert found['orion_last_run_timestamp_seconds{cadence="critical"}'] == pytest.approx(1796198412.5)


def test_an_error_keeps_the_last_observed_status_and_says_it_is_not_current(tmp_path, textfile):
    state = tmp_path / "state"
    metrics.update(state, body("r1", check("checks/t.py::test_tunnel", "TORR-01", "failed")), textfile, now=NOW)
    path = metrics.update(state, body("r2", check("checks/t.py::test_tunnel", "TORR-01", "error")), textfile,
                          now=NOW + 300).path  # fmt: skip
    found = samples(path)
    key = '{requirement="TORR-01",host="synapse",check="test_tunnel"}'
    assert found["orion_check_status" + key] == 0 and found["orion_check_unobserved" + key] == 1


def test_each_selection_updates_only_its_own_checks(tmp_path, textfile):
    state = tmp_path / "state"
    daily = body("d", check("checks/b.py::test_backup", "BACKUP-01", "failed", cadence="daily"))
    metrics.update(state, daily, textfile, requirements=CADENCES, now=NOW)
    critical = body("c", check("checks/a.py::test_sshd", "SEC-01", "passed"))
    found = samples(metrics.update(state, critical, textfile, requirements=CADENCES, now=NOW + 300).path)
    assert found['orion_requirement_status{requirement="BACKUP-01",cadence="daily"}'] == 0  # still there
    assert {k for k in found if k.startswith("orion_last_run")} == {
        'orion_last_run_timestamp_seconds{cadence="critical"}',
        'orion_last_run_timestamp_seconds{cadence="daily"}',
    }


def test_a_check_not_run_for_days_is_forgotten(tmp_path, textfile):
    state = tmp_path / "state"
    metrics.update(state, body("old", check("checks/gone.py::test_gone", "SEC-01", "passed")), textfile, now=NOW)
    later = NOW + (metrics.FORGET_DAYS + 1) * 86400
    path = metrics.update(state, body("new", check("checks/a.py::test_sshd", "SEC-01", "passed")), textfile,
                          now=later).path  # fmt: skip
    assert "test_gone" not in path.read_text()


def test_remediations_come_from_the_history(tmp_path, textfile):
    state = tmp_path / "state"
    state.mkdir()
    db = history.connect(state)
    with db:
        for n, status in enumerate(("remediated", "remediated", "escalated")):
            db.execute(
                "INSERT INTO remediations (action_id, run_id, entry, req, host, at, status) "
                "VALUES (?, 'r', 'restart-gluetun', 'TORR-01', 'orion-cortex', 0, ?)",
                (f"a{n}", status),
            )
    db.close()
    found = samples(metrics.update(state, body("r"), textfile, now=NOW).path)
    assert found['orion_remediation_total{requirement="TORR-01",status="remediated"}'] == 2
    assert found['orion_remediation_total{requirement="TORR-01",status="escalated"}'] == 1


def test_the_file_is_valid_for_prometheus(tmp_path, textfile):
    if not shutil.which("promtool"):
        pytest.fail("promtool is missing: run `make deps` (Debian's prometheus package)")
    run = body(
        "r", check('checks/a.py::test_x["q"]', "SEC-01", "failed"), check("checks/b.py::test_y", "MON-01", "error")
    )
    path = metrics.update(tmp_path / "state", run, textfile, requirements=CADENCES, now=NOW).path
    checked = subprocess.run(["promtool", "check", "metrics"], input=path.read_text(), capture_output=True, text=True,
                             check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_written_atomically_and_only_where_node_exporter_reads(tmp_path, textfile):
    run = body("r", check("checks/a.py::test_x", "SEC-01", "passed"))
    metrics.update(tmp_path / "state", run, textfile, now=NOW)
    assert [p.name for p in textfile.iterdir()] == ["orion.prom"]  # no temporary file left behind
    assert oct(textfile.joinpath("orion.prom").stat().st_mode & 0o777) == "0o644"
    missing = metrics.update(tmp_path / "state", run, tmp_path / "no-such-dir", now=NOW)
    assert missing.path is None and "does not exist" in missing.reason


def test_the_directory_comes_from_the_environment_then_the_inventory(monkeypatch):
    host = SimpleNamespace(hostvars={"orion_textfile_dir": "/srv/textfile"})
    inv = SimpleNamespace(hosts={"orion-synapse": host})

    monkeypatch.delenv("ORION_TEXTFILE_DIR", raising=False)
    assert metrics.textfile_dir(None) == metrics.DEFAULT_DIR
    assert metrics.textfile_dir(inv) == Path("/srv/textfile")
    monkeypatch.setenv("ORION_TEXTFILE_DIR", "/textfile")
    assert metrics.textfile_dir(inv) == Path("/textfile")


def test_a_real_run_record_feeds_it(tmp_path, textfile):
    rec = record.RunRecord("r", "2026-12-02T08:00:00.000Z", None, [], finished="2026-12-02T08:00:01.000Z")
    rec.checks.append(record.CheckResult("checks/a.py::test_x", ["SEC-01"], "cortex", record.Outcome.PASSED, 0.2))
    found = samples(metrics.update(tmp_path / "state", rec.as_dict(), textfile, now=NOW).path)
    assert found['orion_check_status{requirement="SEC-01",host="cortex",check="test_x"}'] == 1


def test_orion_check_writes_them(tmp_path, textfile, write):
    key = write("key", "not a key", 0o600)
    host = f"ansible_host: 127.0.0.1, ansible_port: 1, ansible_ssh_private_key_file: {key}, orion_node: synapse"
    inventory = write("inventory.yml", f"all:\n  hosts:\n    orion-synapse: {{{host}}}\n")
    command = [sys.executable, "-m", "orion.cli", "check", "--inventory", str(inventory), "--state-dir",
               str(tmp_path / "state"), "-m", "static", "-k", "test_the_backend_network_is_internal"]  # fmt: skip
    ran = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                         env={**os.environ, "ORION_TEXTFILE_DIR": str(textfile)})  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    labels = '{requirement="INFRA-04",host="synapse",check="test_the_backend_network_is_internal"}'
    assert samples(textfile / "orion.prom")["orion_check_status" + labels] == 1
