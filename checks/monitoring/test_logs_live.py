"""MON-02, live: Loki is ready and holds fresh log lines from each node, from the containers of each node's stack,
and from each host's own logs. A node whose shipper stops has no line newer than the freshness window."""

import time

import pytest

from orion.catalogue import NODES
from orion.expect import expect_that
from orion.probes.loki import ready, streams

pytestmark = [pytest.mark.req("MON-02"), pytest.mark.critical, pytest.mark.live, pytest.mark.on("synapse")]

#: A node's containers log every few seconds (health checks, scrapes, access logs): no line for this long means
#: nothing ships them (a shipper batches and pushes within seconds).
FRESH_S = 45
#: A host's own logs (journal or syslog) may be quiet for a while; a day without one line means none is shipped.
HOST_S = 24 * 3600


def _newest(found, now_ns):
    return min((s.age_s(now_ns) for s in found), default=None)


def test_loki_is_ready(http):
    is_ready, said = ready(http("loki"))
    expect_that(is_ready, "Loki is not ready", observed=said, expected="200 ready", where="loki GET /ready")


@pytest.mark.parametrize("of_node", NODES)
def test_the_containers_of_each_node_ship_fresh_logs(http, of_node):
    selector, now = f'{{node="{of_node}", job="docker"}}', time.time_ns()
    found = streams(http("loki"), selector, FRESH_S, now)
    projects = sorted({s.labels.get("compose_project", "?") for s in found})
    expect_that(bool(found), f"Loki holds no container log line from {of_node} in the last {FRESH_S} s: its "
                "shipper is not shipping", observed={"streams": len(found), "compose_projects": projects},
                expected=f"lines of {of_node}'s containers within {FRESH_S} s",
                where=f"loki query_range {selector}")  # fmt: skip


@pytest.mark.parametrize("of_node", NODES)
def test_each_host_ships_its_own_logs(http, of_node):
    selector, now = f'{{node="{of_node}", job!="docker"}}', time.time_ns()
    found = streams(http("loki"), selector, HOST_S, now)
    newest = _newest(found, now)
    expect_that(bool(found), f"Loki holds no line of {of_node}'s own logs (host, not container) in the last 24 h",
                observed={"streams": [s.labels for s in found][:5], "newest_age_s": newest},
                expected="at least one host log line within 24 h", where=f"loki query_range {selector}")  # fmt: skip
