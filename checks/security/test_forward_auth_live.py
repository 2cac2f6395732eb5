"""SEC-06, live: Caddy turns away a visitor without an Authelia session on every host that the Caddyfile puts
behind forward_auth. A route edited on the node (forward_auth dropped, a new unprotected host) shows here."""

import pytest

from orion.expect import expect_none, expect_that
from orion.probes.forwardauth import protected, turned_away

pytestmark = [pytest.mark.req("SEC-06"), pytest.mark.critical, pytest.mark.live]


def test_no_protected_host_is_served_without_a_session(http):
    caddy, routes = http("caddy"), protected()
    expect_that(bool(routes.hosts), "the Caddyfile protects no host: nothing to probe", observed=routes.hosts,
                expected="hosts behind forward_auth")  # fmt: skip
    served = {}
    for host in routes.hosts:
        response = caddy.get(
            "/",
            headers={"Host": host, "Accept": "text/html"},
            extensions={"sni_hostname": host},
            auth_expected=False,
        )
        if not turned_away(response, routes.portals):
            served[host] = f"{response.status_code} {response.headers.get('location', '')}".strip()
    expect_none(served, "hosts served without an Authelia session")
