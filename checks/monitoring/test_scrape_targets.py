"""MON-01, live: the running Prometheus scrapes every target that the stack's prometheus.yml declares, and each
is up. A job removed from the configuration Prometheus runs (edited on the node and reloaded) is caught, not
only an exporter that stopped."""

import pytest

from orion.errors import ConfigError
from orion.expect import At, expect_none
from orion.outcomes import CannotObserve
from orion.probes.compose import Stack
from orion.probes.prometheus import PrometheusConfig, scraped, seconds_since_configured

pytestmark = [pytest.mark.req("MON-01"), pytest.mark.critical, pytest.mark.live, pytest.mark.on("synapse")]
#: How long a Prometheus that has just started (or reloaded) may leave a target unscraped.
DISCOVERY_S = 60


def _declared(node):
    """The targets of the prometheus.yml in stacks/ (the desired state)."""
    try:
        return PrometheusConfig.of(Stack(node.node)).targets
    except ConfigError as exc:
        raise CannotObserve(f"cannot read the declared scrape targets: {exc}") from None


def _running(prometheus):
    targets = scraped(prometheus)
    if not targets and (age := seconds_since_configured(prometheus)) < DISCOVERY_S:
        raise CannotObserve(f"Prometheus loaded its configuration {age:.0f} s ago and has discovered no target yet")
    return {(t.job, t.address): t for t in targets}


def test_prometheus_scrapes_every_declared_target(node, http):
    declared, running = _declared(node), _running(http("prometheus"))
    missing = [At(f"{t.job} {t.address}", t.where) for t in declared if (t.job, t.address) not in running]
    expect_none(missing, "declared scrape targets that the running Prometheus does not scrape")


def test_every_declared_target_is_up(node, http):
    prometheus = http("prometheus")
    declared, running = _declared(node), _running(prometheus)
    seen = [running[(t.job, t.address)] for t in declared if (t.job, t.address) in running]
    pending = sorted(f"{s.job} {s.address}" for s in seen if s.health == "unknown")
    if pending and seconds_since_configured(prometheus) < DISCOVERY_S:
        raise CannotObserve(f"Prometheus has not scraped {', '.join(pending)} yet")
    down = {f"{s.job} {s.address}": s.error or s.health for s in seen if s.health != "up"}
    expect_none(down, "declared scrape targets that are down")
