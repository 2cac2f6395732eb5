"""SEC-06, live: Authelia turns away a visitor without a session (401, or its portal) on every host that the
Caddyfile puts behind forward_auth, asked from a LAN address so that `(private_only)` lets the request reach
forward_auth. A route edited on the node (forward_auth dropped, a new unprotected host) shows here."""

import pytest

from orion.expect import expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes.forwardauth import protected, turned_away, what_was_served

pytestmark = [pytest.mark.req("SEC-06"), pytest.mark.critical, pytest.mark.live]


def test_no_protected_host_is_served_without_a_session(http, request):
    caddy, routes = http("caddy"), protected()
    expect_that(bool(routes.hosts), "the Caddyfile protects no host: nothing to probe", observed=routes.hosts,
                expected="hosts behind forward_auth")  # fmt: skip
    served = {}
    for host in routes.hosts:
        try:
            response = caddy.get(
                "/",
                headers={"Host": host, "Accept": "text/html"},
                extensions={"sni_hostname": host},
                auth_expected=False,
            )
        except CannotObserve:
            caddy_is_running(request)
            raise
        if not turned_away(response, routes.portals):
            served[host] = what_was_served(response)
    expect_none(served, "hosts that Authelia did not turn away (no 401, no redirect to its portal)")


def caddy_is_running(request: pytest.FixtureRequest) -> None:
    """Caddy did not answer: a stopped Caddy container is SEC-06's failure (nothing stands in front of the hosts),
    not a blind spot. The node's Docker engine tells which; it is asked only then."""
    request.getfixturevalue("docker_node").require_running("caddy")
