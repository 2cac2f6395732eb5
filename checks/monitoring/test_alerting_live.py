"""MON-03, live: the Alertmanager that runs (what it loaded, not the file in stacks/) sends warning and critical
alerts to Telegram. A config edited and reloaded on the node shows here. That the two take separate routes is
checked statically (test_alerting_config.py): no lab fault breaks it live, so a live copy could not be shown red."""

import pytest

from orion.expect import expect_that
from orion.probes.alertmanager import AlertmanagerConfig

pytestmark = [pytest.mark.req("MON-03"), pytest.mark.critical, pytest.mark.live]


@pytest.mark.parametrize("severity", ["warning", "critical"])
def test_the_running_alertmanager_sends_alerts_to_telegram(service, severity):
    config = AlertmanagerConfig.running(service("alertmanager"))
    deliveries = config.routes({"severity": severity})
    expect_that(config.telegram_gap(severity) is None, f"{severity} alerts do not reach Telegram at every hour",
                observed=[str(d) for d in deliveries], expected="a receiver with telegram_configs, never muted",
                where=[d.where for d in deliveries])  # fmt: skip
