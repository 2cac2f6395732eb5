"""Every unattended `orion check` (the role's systemd timers, the synapse runner) is a command the CLI accepts.

A schedule with an unknown option exits 2 every time it fires and nobody sees it; one that selects no check
yet (the weekly timer) must be a clear message and exit 0, not a failed unit. The lab test runs them for real.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orion import PROJECT_ROOT, schedules
from orion.errors import ConfigError

SCHEDULES = schedules.load()


def check(inventory: Path, state: Path, *args: str) -> subprocess.CompletedProcess:
    """`orion check` as a schedule runs it, against `inventory`."""
    command = [sys.executable, "-m", "orion.cli", "check", "--inventory", str(inventory), "--state-dir", str(state)]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def offline_inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both nodes, nothing listening: collection needs the hosts, never a connection."""
    where = tmp_path_factory.mktemp("inventory")
    key = where / "key"
    key.write_text("not a key")
    key.chmod(0o600)
    hosts = "".join(
        f"    {node}:\n      hosts:\n        orion-{node}:\n          ansible_host: 127.0.0.1\n"
        f"          ansible_port: 1\n          ansible_ssh_private_key_file: {key}\n          orion_node: {node}\n"
        for node in ("cortex", "synapse")
    )
    path = where / "inventory.yml"
    path.write_text(f"all:\n  children:\n{hosts}")
    return path


def test_the_timers_and_the_runner_are_all_found():
    assert {s.name for s in SCHEDULES} == {"timer critical", "timer daily", "timer weekly", "runner"}
    for schedule in SCHEDULES:
        assert "-m" in schedule.args, f"{schedule.source}: {schedule.name} selects no cadence: {schedule.args}"


@pytest.mark.parametrize("schedule", SCHEDULES, ids=[s.name for s in SCHEDULES])
def test_each_schedule_is_a_command_the_cli_accepts(schedule, offline_inventory, tmp_path):
    result = check(offline_inventory, tmp_path, *schedule.args, "--collect-only")
    output = result.stdout[-2000:] + result.stderr[-2000:]
    assert result.returncode == 0, f"{schedule.source}: `orion check {' '.join(schedule.args)}` is refused:\n{output}"


def test_the_runner_loop_falls_back_to_the_compose_default():
    runner = next(s for s in SCHEDULES if s.name == "runner")
    assert schedules.loop_default() == runner.args


def test_a_selection_with_no_check_is_a_clear_message_and_exit_0(offline_inventory, tmp_path):
    result = check(offline_inventory, tmp_path, "-m", "weekly and critical")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no check matches this selection" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unknown_option_is_still_a_usage_error(offline_inventory, tmp_path):
    result = check(offline_inventory, tmp_path, "--no-such-option", "--collect-only")
    assert result.returncode == 2, result.stdout + result.stderr


def test_a_service_template_without_an_orion_check_names_the_file_and_line(tmp_path):
    for relative in (schedules.DEFAULTS, schedules.SERVICE_TEMPLATE):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / relative, tmp_path / relative)
    template = tmp_path / schedules.SERVICE_TEMPLATE
    lines = template.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("ExecStart="))
    lines[number - 1] = "ExecStart=/bin/true"
    template.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=rf"orion-check.service.j2:{number}: expected an `orion check` command"):
        schedules.timers(tmp_path)


def test_a_runner_without_a_default_selection_names_the_file_and_line(tmp_path):
    compose = tmp_path / schedules.COMPOSE
    compose.parent.mkdir(parents=True)
    compose.write_text("services:\n  orion:\n    environment:\n      ORION_CHECK_ARGS: -m critical\n")
    with pytest.raises(ConfigError, match=r"compose.yml:4: expected ORION_CHECK_ARGS"):
        schedules.runner(tmp_path)
