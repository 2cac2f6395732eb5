"""`orion apply NODE`: the gate first (refusing on failure unless --force), compose up on the inventory's
Docker endpoint, then the node's live checks. Docker is a recording stand-in on PATH here."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orion import PROJECT_ROOT

FAKE_DOCKER = """#!/bin/sh
case "$*" in *" up -d"*) echo "DOCKER_HOST=$DOCKER_HOST $*" >> "{log}";; esac
exit 0
"""


@pytest.fixture
def site(tmp_path):
    stacks = tmp_path / "stacks"
    shutil.copytree(PROJECT_ROOT / "stacks", stacks, ignore=shutil.ignore_patterns("secrets"))
    shutil.copy(stacks / "cortex" / ".env.example", stacks / "cortex" / ".env")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER.format(log=tmp_path / "docker.log"))
    (bin_dir / "docker").chmod(0o755)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        "all:\n  hosts:\n    orion-cortex:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n"
        "      orion_node: cortex\n      orion_connect_timeout: 1\n"
        "      orion_docker: {host: 'tcp://127.0.0.1:1', project: cortex}\n"
    )
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "ORION_STACKS_DIR": str(stacks)}
    return tmp_path, stacks, inventory, env


def apply(site, *args):
    tmp, _, inventory, env = site
    return subprocess.run(
        [sys.executable, "-m", "orion.cli", "apply", "cortex", "--inventory", str(inventory),
         "--state-dir", str(tmp / "state"), *args],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


def break_the_gate(stacks: Path) -> None:
    compose = stacks / "cortex" / "compose.yml"
    text = compose.read_text()
    compose.write_text(text.replace('network_mode: "service:gluetun"', "network_mode: bridge", 1))


def test_apply_refuses_when_the_gate_fails(site):
    tmp, stacks, _, _ = site
    break_the_gate(stacks)
    result = apply(site)
    assert result.returncode == 1
    assert "refusing to apply" in result.stderr and "TORR-01" in result.stdout
    assert not (tmp / "docker.log").exists(), "nothing was deployed"


def test_force_overrides_the_refusal_and_says_so(site):
    tmp, stacks, _, _ = site
    break_the_gate(stacks)
    result = apply(site, "--force")
    assert "applying anyway because of --force" in result.stderr
    assert "DOCKER_HOST=tcp://127.0.0.1:1 compose" in (tmp / "docker.log").read_text()


def test_apply_deploys_on_the_inventory_engine_then_runs_the_node_live_checks(site):
    tmp, stacks, _, _ = site
    result = apply(site)
    deployed = (tmp / "docker.log").read_text()
    assert f"--env-file {stacks}/cortex/.env" in deployed and "-p cortex up -d" in deployed
    assert result.returncode == 3, "the node is unreachable here: its live checks could not observe"
    record = json.loads((tmp / "state" / "runs" / "latest.json").read_text())
    assert {c["host"] for c in record["checks"]} <= {"orion-cortex", None}, "only cortex's checks ran"


def test_apply_needs_the_node_env_file(site):
    _, stacks, _, _ = site
    (stacks / "cortex" / ".env").unlink()
    result = apply(site)
    assert result.returncode == 2 and ".env is missing" in result.stderr
