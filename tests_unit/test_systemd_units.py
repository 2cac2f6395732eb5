"""The orion role's systemd units, rendered as Ansible renders them and verified by `systemd-analyze verify`: a timer
per schedule (critical every 5 minutes with --remediate --notify, daily, weekly with its report), Persistent=,
and a failure that says so on Telegram (OnFailure= → `orion notify --unit-failed`)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from orion import PROJECT_ROOT

ROLE = PROJECT_ROOT / "provisioning/roles/orion"
DEFAULTS = yaml.safe_load((ROLE / "defaults/main.yml").read_text())
TIMERS = DEFAULTS["orion_timers"]


def analyze() -> str:
    found = shutil.which("systemd-analyze")
    if not found:
        pytest.fail("systemd-analyze is missing: run `make deps` (tools/bootstrap.sh installs Debian's systemd)")
    return found


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every unit the role installs, rendered with its defaults (Ansible's template module: trim_blocks). Orion's
    prefix is a directory whose venv/bin/orion is this checkout's, so that verify finds the executable."""
    root = tmp_path_factory.mktemp("systemd")
    prefix = root / "opt"
    (prefix / "venv/bin").mkdir(parents=True)
    (prefix / "venv/bin/orion").symlink_to(Path(sys.executable).with_name("orion"))
    context = {**DEFAULTS, "orion_prefix": str(prefix), "maintenance_textfile_dir": str(root / "textfile")}
    lenient = jinja2.Environment(undefined=jinja2.ChainableUndefined)  # defaults that read other roles' facts
    for _ in range(3):
        context = {k: lenient.from_string(v).render(context) if isinstance(v, str) else v for k, v in context.items()}
    strict = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, keep_trailing_newline=True)
    out = root / "units"
    out.mkdir()
    for timer in TIMERS:
        for kind in ("service", "timer"):
            template = strict.from_string((ROLE / f"templates/orion-check.{kind}.j2").read_text())
            (out / f"orion-{timer['name']}.{kind}").write_text(template.render({**context, "item": [timer, kind]}))
    failed = strict.from_string((ROLE / "templates/orion-unit-failed@.service.j2").read_text())
    (out / "orion-unit-failed@.service").write_text(failed.render(context))
    return out


def unit(units: Path, name: str) -> dict[str, list[str]]:
    """`Key=value` lines of a unit, each key's values in order."""
    found: dict[str, list[str]] = {}
    for line in (units / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def verify(units: Path, *names: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SYSTEMD_UNIT_PATH": f"{units}:", "SYSTEMD_LOG_COLOR": "0"}
    return subprocess.run([analyze(), "verify", "--man=no", *names], cwd=units, env=env, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def test_the_role_has_the_three_schedules():
    assert [t["name"] for t in TIMERS] == ["critical", "daily", "weekly"]


@pytest.mark.parametrize("name", [t["name"] for t in TIMERS])
def test_systemd_accepts_each_service_and_timer(units, name):
    ran = verify(units, f"orion-{name}.service", f"orion-{name}.timer")
    assert ran.returncode == 0 and not ran.stderr.strip(), ran.stdout + ran.stderr


def test_systemd_accepts_the_failure_notification_for_each_service(units):
    instances = [f"orion-unit-failed@orion-{t['name']}.service.service" for t in TIMERS]
    ran = verify(units, *instances)
    assert ran.returncode == 0 and not ran.stderr.strip(), ran.stdout + ran.stderr


def test_critical_runs_every_five_minutes_with_remediation_and_notifications(units):
    timer = unit(units, "orion-critical.timer")
    normalized = subprocess.run([analyze(), "calendar", timer["OnCalendar"][0]], capture_output=True, text=True,
                                check=False).stdout  # fmt: skip
    assert "*-*-* *:00/5:00" in normalized
    [command] = unit(units, "orion-critical.service")["ExecStart"]
    assert {"-m", "critical", "--remediate", "--notify"} <= set(shlex.split(command))


@pytest.mark.parametrize("name", [t["name"] for t in TIMERS])
def test_a_missed_run_is_caught_up_and_a_failed_one_is_told(units, name):
    assert unit(units, f"orion-{name}.timer")["Persistent"] == ["true"]
    service = unit(units, f"orion-{name}.service")
    assert service["OnFailure"] == ["orion-unit-failed@%n.service"]
    assert "--notify" in shlex.split(service["ExecStart"][0])
    assert service["SuccessExitStatus"] == ["1 3"]  # failures found are results, not a failed unit


def test_the_failure_notification_names_the_failed_unit(units):
    failed = unit(units, "orion-unit-failed@.service")
    [command] = failed["ExecStart"]
    assert shlex.split(command)[1:] == ["notify", "--inventory", "/etc/orion/inventory.yml", "--unit-failed", "%i"]
    assert "OnFailure" not in failed  # it does not call itself


def test_the_weekly_unit_writes_the_report_then_sends_it(units):
    commands = [shlex.split(c)[1:3] for c in unit(units, "orion-weekly.service")["ExecStart"]]
    assert commands == [["check", "--inventory"], ["report", "--weekly"], ["notify", "--weekly"]]


@pytest.mark.parametrize(
    "command",
    [c for t in TIMERS for c in t.get("then", [])] + ["notify --unit-failed orion-critical.service"],
)
def test_every_command_the_units_run_is_one_the_cli_accepts(command):
    """`--help` is eager: the options before it are still parsed, so an unknown one fails here."""
    args = [sys.executable, "-m", "orion.cli", *shlex.split(command), "--inventory", "/dev/null", "--help"]
    ran = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_the_metrics_reach_node_exporters_directory_atomically(units):
    service = unit(units, "orion-critical.service")
    assert service["Environment"][-1].endswith("/textfile") and service["Environment"][-1].startswith("ORION_TEXTFILE")
    install, move = (shlex.split(c) for c in service["ExecStartPost"])
    assert install[0] == "+-/usr/bin/install" and install[-1].endswith("/.orion.prom.tmp")
    assert move[0] == "+-/bin/mv" and move[-2:] == [install[-1], install[-1].replace(".orion.prom.tmp", "orion.prom")]


def test_verify_does_refuse_a_broken_unit(units, tmp_path):
    """The verification is real: a service whose program is missing, or a timer that cannot parse, is refused."""
    (tmp_path / "orion-critical.service").write_text(
        (units / "orion-critical.service").read_text().replace(str(units.parent / "opt"), "/nonexistent")
    )
    (tmp_path / "orion-critical.timer").write_text("[Timer]\nOnCalendar=every five minutes\n")
    shutil.copy(units / "orion-unit-failed@.service", tmp_path)
    for name in ("orion-critical.service", "orion-critical.timer"):
        assert verify(tmp_path, name).returncode != 0
