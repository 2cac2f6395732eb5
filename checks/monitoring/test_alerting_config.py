"""MON-03: alert rules cover every monitoring requirement at warning or critical, Prometheus loads them, their
unit tests pass, and Alertmanager sends critical and warning alerts to Telegram on separate routes.

promtool's three validations live here rather than under MON-01: what they protect is the alerting path (the
config that loads the rules and finds Alertmanager, the rules, and the tests that show each one fires)."""

from pathlib import Path

import pytest

from orion.catalogue import Domain
from orion.expect import expect_that
from orion.probes import located, validators
from orion.probes.alertmanager import AlertmanagerConfig
from orion.probes.prometheus import PrometheusConfig, rules_under_test

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("MON-03")]

SEVERITIES = ("warning", "critical")


def test_every_alert_rule_names_its_severity_and_requirement(stack, catalogue):
    bad = [f"{r.alert} ({r.where})" for r in PrometheusConfig.of(stack).rules
           if r.labels.get("severity") not in SEVERITIES or r.labels.get("requirement") not in catalogue]  # fmt: skip
    expect_that(not bad, f"alert rules without `severity: warning|critical` and a catalogue `requirement:` label: "
                f"{'; '.join(bad)}")  # fmt: skip


def test_an_alert_rule_covers_each_monitoring_requirement(stack, catalogue):
    config = PrometheusConfig.of(stack)
    covered = {r.labels.get("requirement") for r in config.rules}
    uncovered = [r.id for r in catalogue if r.domain is Domain.MON and r.status == "active" and r.id not in covered]
    files = ", ".join(located.shown(p) for p in config.rule_files())
    expect_that(not uncovered, f"no alert rule labelled `requirement: {'|'.join(uncovered)}` in {files} "
                f"(chosen at {config.rules_where})")  # fmt: skip


def test_prometheus_accepts_its_configuration(stack):
    ran = validators.promtool_check_config(stack)
    expect_that(ran.ok, f"promtool check config fails: {ran.summary()}")


def test_prometheus_accepts_its_rules(stack):
    ran = validators.promtool_check_rules(stack)
    expect_that(ran.ok, f"promtool check rules fails: {ran.summary()}")


def test_the_rules_pass_their_unit_tests(stack):
    runs = validators.promtool_test_rules(stack)
    expect_that(bool(runs), f"no promtool unit test in {located.shown(stack.dir / 'prometheus' / 'tests')}")
    failed = [f"{_tested(Path(r.command.argv[-1]))}: {r.summary(2)}" for r in runs if not r.ok]
    expect_that(not failed, f"promtool test rules fails: {'; '.join(failed)}")


def _tested(test_file: Path) -> str:
    rules = ", ".join(located.shown(p) for p in rules_under_test(test_file))
    return f"{located.shown(test_file)} (testing {rules})"


def test_alertmanager_accepts_its_configuration(stack):
    ran = validators.amtool_check_config(stack)
    expect_that(ran.ok, f"amtool check-config fails: {ran.summary()}")


@pytest.mark.parametrize("severity", SEVERITIES)
def test_alerts_reach_telegram_by_severity(stack, severity):
    gap = AlertmanagerConfig.of(stack).telegram_gap(severity)
    expect_that(gap is None, gap or "")


def test_critical_and_warning_alerts_take_separate_routes(stack):
    shared = AlertmanagerConfig.of(stack).shared_route()
    expect_that(shared is None, shared or "")
