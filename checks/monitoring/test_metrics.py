"""MON-01: every node exports its metrics, and Prometheus scrapes them."""

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes.prometheus import seconds_since_configured

pytestmark = [pytest.mark.req("MON-01"), pytest.mark.critical, pytest.mark.live]
#: How long a Prometheus that has just started (or reloaded) may list no target before that counts as a failure.
DISCOVERY_S = 60


def test_node_exporter_serves_node_metrics(http):
    metrics = http("node-exporter").get("/metrics")
    expect(metrics.status_code, 200, "node_exporter does not serve /metrics")
    expect_that("node_boot_time_seconds" in metrics.text, "node_exporter serves no node metrics",
                observed=metrics.text[:200], expected="node_boot_time_seconds …")  # fmt: skip


def test_prometheus_scrapes_every_node_exporter(service, inventory):
    prometheus = service("prometheus")
    targets = prometheus.json("/api/v1/targets?state=active")["data"]["activeTargets"]
    if not targets and (age := seconds_since_configured(prometheus)) < DISCOVERY_S:
        raise CannotObserve(f"Prometheus loaded its configuration {age:.0f} s ago and has discovered no target yet")
    exporters = {t["labels"].get("instance", "?"): t for t in targets if t["labels"].get("job") == "node"}
    if pending := sorted(i for i, t in exporters.items() if t["health"] == "unknown"):
        raise CannotObserve(f"Prometheus has not scraped {', '.join(pending)} yet")
    down = {instance: t.get("lastError") or t["health"] for instance, t in exporters.items() if t["health"] != "up"}
    expect_none(down, "Prometheus cannot scrape node_exporter")
    expect_that(
        len(exporters) >= len(inventory.hosts),
        "Prometheus scrapes fewer node_exporters than there are nodes",
        observed=sorted(exporters),
        expected=sorted(inventory.hosts),
    )
