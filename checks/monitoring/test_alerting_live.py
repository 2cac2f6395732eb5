"""MON-03, live: the Alertmanager that runs (what it loaded, not the file in stacks/) sends warning and critical
alerts to Telegram, on separate routes. A config edited and reloaded on the node shows here."""

import pytest

from orion.expect import expect_that
from orion.probes.alertmanager import AlertmanagerConfig

pytestmark = [pytest.mark.req("MON-03"), pytest.mark.critical, pytest.mark.live]


@pytest.mark.parametrize("severity", ["warning", "critical"])
def test_the_running_alertmanager_sends_alerts_to_telegram(service, severity):
    gap = AlertmanagerConfig.running(service("alertmanager")).telegram_gap(severity)
    expect_that(gap is None, gap or "")


def test_the_running_alertmanager_keeps_critical_and_warning_apart(service):
    shared = AlertmanagerConfig.running(service("alertmanager")).shared_route()
    expect_that(shared is None, shared or "")
