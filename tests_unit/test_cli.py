"""The `orion` command, run as a user would: a subprocess, with its exit codes and output."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SEED_IDS = 51


def orion(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orion.cli", *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_help_works():
    result = orion("--help")
    assert result.returncode == 0
    for command in ("check", "gate", "matrix"):
        assert command in result.stdout


def test_matrix_json_lists_exactly_the_51_ids_and_shows_missing_checks():
    result = orion("matrix", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len({r["id"] for r in rows}) == len(rows) == SEED_IDS
    sec01 = next(r for r in rows if r["id"] == "SEC-01")
    assert sec01["checks"] and "live" in sec01["kinds"]
    assert any(r["proof"] == "none" and not r["checks"] for r in rows) or all(
        r["checks"] for r in rows if r["proof"] != "future"
    )
    assert next(r for r in rows if r["id"] == "LLM-06")["proof"] == "future"


def test_matrix_markdown_says_plainly_what_has_no_check():
    result = orion("matrix")
    assert result.returncode == 0
    assert re.search(r"51 requirements; \d+ active ones have no check yet", result.stdout)


def test_a_malformed_inventory_exits_2_naming_file_and_line(tmp_path):
    bad = tmp_path / "inventory.yml"
    bad.write_text("all:\n  children:\n    cortex:\n      hosts:\n        c1: {orion_node: cortex, colour: red}\n")
    result = orion("check", "--inventory", str(bad), "--state-dir", str(tmp_path / "s"))
    assert result.returncode == 2
    assert f"{bad}:5: unknown variable 'colour'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_inventory_exits_2(tmp_path):
    result = orion("check", "--inventory", str(tmp_path / "none.yml"))
    assert result.returncode == 2 and "none.yml: no such file" in result.stderr


def test_an_unreachable_host_is_error_exit_3_without_traceback(tmp_path):
    key = tmp_path / "key"
    key.write_text("not a key")
    key.chmod(0o600)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        "all:\n  children:\n    cortex:\n      hosts:\n        orion-cortex:\n"
        f"          ansible_host: 127.0.0.1\n          ansible_port: 1\n          ansible_ssh_private_key_file: {key}\n"
        "          orion_node: cortex\n          orion_connect_timeout: 2\n"
    )
    state = tmp_path / "state"
    result = orion(
        "check", "--inventory", str(inventory), "--state-dir", str(state), "-k", "sshd", "--orion-node=cortex"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "Traceback" not in output
    assert "ssh root@127.0.0.1:1: unreachable (connection refused)" in output
    record = json.loads((state / "runs" / "latest.json").read_text())
    assert record["summary"]["error"] == len(record["checks"]) > 0
    assert {c["host"] for c in record["checks"]} == {"orion-cortex"}


def test_gate_refuses_an_unknown_node():
    result = orion("gate", "pluto")
    assert result.returncode == 2 and "unknown node 'pluto'" in result.stderr


def test_check_path_is_the_checks_folder():
    assert (Path(__file__).resolve().parents[1] / "checks" / "requirements.yml").exists()
