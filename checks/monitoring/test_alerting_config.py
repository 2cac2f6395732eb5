"""MON-03: alert rules cover every monitoring requirement at warning or critical, Prometheus loads them, their
unit tests pass, and Alertmanager sends critical and warning alerts to Telegram on separate routes.

promtool's three validations live here rather than under MON-01: what they protect is the alerting path (the
config that loads the rules and finds Alertmanager, the rules, and the tests that show each one fires)."""

from pathlib import Path

import pytest

from orion.catalogue import Domain
from orion.expect import At, expect_none, expect_success, expect_that
from orion.probes import located, validators
from orion.probes.alertmanager import AlertmanagerConfig
from orion.probes.prometheus import PrometheusConfig, rules_under_test

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("MON-03")]

SEVERITIES = ("warning", "critical")


def test_every_alert_rule_names_its_severity_and_requirement(stack, catalogue):
    bad = [At(r.alert, r.where) for r in PrometheusConfig.of(stack).rules
           if r.labels.get("severity") not in SEVERITIES or r.labels.get("requirement") not in catalogue]  # fmt: skip
    expect_none(bad, "alert rules without `severity: warning|critical` and a catalogue `requirement:` label")


def test_an_alert_rule_covers_each_monitoring_requirement(stack, catalogue):
    config = PrometheusConfig.of(stack)
    covered = {r.labels.get("requirement") for r in config.rules}
    uncovered = [r.id for r in catalogue if r.domain is Domain.MON and r.status == "active" and r.id not in covered]
    files = [located.shown(p) for p in config.rule_files()]
    expect_none(uncovered, "monitoring requirements that no alert rule's `requirement:` label names",
                where=[config.rules_where, *files])  # fmt: skip


def test_prometheus_accepts_its_configuration(stack):
    ran = validators.promtool_check_config(stack)
    expect_success(ran, "promtool check config fails")


def test_prometheus_accepts_its_rules(stack):
    ran = validators.promtool_check_rules(stack)
    expect_success(ran, "promtool check rules fails")


def test_the_rules_pass_their_unit_tests(stack):
    runs = validators.promtool_test_rules(stack)
    expect_that(bool(runs), "no promtool unit test", observed=[], expected="tests/*.yml",
                where=located.shown(stack.dir / "prometheus" / "tests"))  # fmt: skip
    failed = [f"{_tested(Path(r.command.argv[-1]))}: {r.summary(2)}" for r in runs if not r.ok]
    expect_none(failed, "promtool test rules fails")


def _tested(test_file: Path) -> str:
    rules = ", ".join(located.shown(p) for p in rules_under_test(test_file))
    return f"{located.shown(test_file)} (testing {rules})"


def test_alertmanager_accepts_its_configuration(stack):
    ran = validators.amtool_check_config(stack)
    expect_success(ran, "amtool check-config fails")


@pytest.mark.parametrize("severity", SEVERITIES)
def test_alerts_reach_telegram_by_severity(stack, severity):
    config = AlertmanagerConfig.of(stack)
    deliveries = config.routes({"severity": severity})
    expect_that(config.telegram_gap(severity) is None, f"{severity} alerts do not reach Telegram at every hour",
                observed=[str(d) for d in deliveries], expected="a receiver with telegram_configs, never muted",
                where=[d.where for d in deliveries])  # fmt: skip


def test_critical_and_warning_alerts_take_separate_routes(stack):
    config = AlertmanagerConfig.of(stack)
    critical, warning = config.route({"severity": "critical"}), config.route({"severity": "warning"})
    expect_that(critical.receiver != warning.receiver, "critical and warning alerts reach the same receiver",
                observed=critical.receiver, expected=f"another receiver than warning's {warning.receiver!r}",
                where=[critical.where, warning.where])  # fmt: skip
