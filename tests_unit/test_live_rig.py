"""The live path, proven against real daemons on 127.0.0.1 (orion.localrig): each check goes red on a real
fault and green once healed, and an unreachable host is `error`, never `failed`."""

import json
import subprocess
import sys

import pytest

from orion.inventory import load
from orion.outcomes import ObservationError
from orion.probes.ssh import RemoteHost


def check(rig, state, *args):
    result = subprocess.run(
        [sys.executable, "-m", "orion.cli", "check", "--inventory", str(rig.inventory), "--state-dir", str(state),
         "-m", "critical", "--req", "SEC-01", "--req", "MON-01", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    record = json.loads((state / "runs" / "latest.json").read_text()) if (state / "runs").exists() else None
    return result, record


def outcomes(record, req):
    return {c["outcome"] for c in record["checks"] if req in c["req"]}


def test_a_healthy_rig_passes(healthy_rig, tmp_path):
    result, record = check(healthy_rig, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outcomes(record, "MON-01") == {"passed", "skipped"}, "the declared-targets check is waived on the rig"
    assert outcomes(record, "SEC-01") == {"passed", "skipped"}, "the root-login check is waived on the rig"


def test_sec01_fails_when_sshd_allows_passwords(healthy_rig, tmp_path):
    healthy_rig.write_sshd_config(passwords=True)
    healthy_rig.reload_sshd()
    result, record = check(healthy_rig, tmp_path)
    assert result.returncode == 1
    failed = [c for c in record["checks"] if c["outcome"] == "failed"]
    assert {c["nodeid"].split("::")[1].split("[")[0] for c in failed} == {"test_sshd_refuses_password_logins"}
    assert failed[0]["evidence"]["observed"] == "yes" and failed[0]["evidence"]["source"].endswith("sshd -T")
    assert outcomes(record, "MON-01") <= {"passed", "skipped"}, "no unrelated check turns red"


def test_mon01_fails_when_node_exporter_is_stopped(healthy_rig, tmp_path):
    healthy_rig.stop_node_exporter()
    healthy_rig.wait_scraped("down")
    result, record = check(healthy_rig, tmp_path)
    assert result.returncode == 1
    assert "failed" in outcomes(record, "MON-01")
    assert outcomes(record, "SEC-01") == {"passed", "skipped"}
    assert "Prometheus cannot scrape node_exporter" in result.stdout


def test_a_stopped_sshd_is_error_exit_3_not_failed(healthy_rig, tmp_path):
    healthy_rig.stop_sshd()
    result, record = check(healthy_rig, tmp_path, "-k", "sshd")
    assert result.returncode == 3, result.stdout
    assert outcomes(record, "SEC-01") == {"error", "skipped"}, "the waived check is skipped before it connects"
    assert "unreachable (connection refused)" in result.stdout and "Traceback" not in result.stdout


def test_a_host_gathers_all_its_facts_in_one_round_trip_on_one_connection(healthy_rig, tmp_path):
    spec = load(healthy_rig.inventory).hosts["orion-cortex"]
    host = RemoteHost(spec, tmp_path / "known_hosts")
    host.pending = {"sshd_config"}
    before = RemoteHost.connections
    execs = []
    client = host.connect()
    real = client.exec_command
    client.exec_command = lambda *a, **k: execs.append(a[0]) or real(*a, **k)
    assert host.fact("sshd_config")["port"] == "2222"
    assert host.fact("sshd_config")["passwordauthentication"] == "no"
    assert host.run("true").rc == 0
    assert (RemoteHost.connections - before, len(execs)) == (1, 2)
    assert "ssh-ed25519" in (tmp_path / "known_hosts").read_text(), "the host key is pinned on first use"


def test_a_changed_host_key_is_refused(healthy_rig, tmp_path):
    spec = load(healthy_rig.inventory).hosts["orion-cortex"]
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    known = tmp_path / "known_hosts"
    known.write_text("[127.0.0.1]:2222 " + (tmp_path / "other.pub").read_text())
    with pytest.raises(ObservationError, match="host key changed"):
        RemoteHost(spec, known).fact("sshd_config")
