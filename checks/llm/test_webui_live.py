"""LLM-02, live: Open WebUI answers its own health endpoint on the LAN, and through the live Caddy it answers only
behind Authelia: a visitor without a session asking for its public name is turned away (Authelia's 401, or a
redirect to the portal), asked from a LAN address so that the answer is Authelia's, not a network policy's."""

import pytest

from orion.expect import expect, expect_that
from orion.outcomes import CannotObserve
from orion.probes.forwardauth import protected, turned_away, what_was_served

pytestmark = [pytest.mark.req("LLM-02"), pytest.mark.critical, pytest.mark.live]

#: Open WebUI's public name (the Caddyfile's `@orion` route, one of the three hosts of the tunnel).
HOST = "orion.jarvis-hub.tech"


def test_open_webui_answers_its_health_endpoint(http):
    health = http("open-webui").get("/health")
    expect(health.status_code, 200, "Open WebUI does not answer /health")


def test_open_webui_is_served_only_behind_authelia(http, request):
    caddy, portals = http("caddy"), protected().portals
    try:
        response = caddy.get("/", headers={"Host": HOST, "Accept": "text/html"}, extensions={"sni_hostname": HOST},
                             auth_expected=False)  # fmt: skip
    except CannotObserve:
        request.getfixturevalue("docker_node").require_running("caddy")
        raise
    expect_that(turned_away(response, portals), f"Caddy serves {HOST} to a visitor without a session",
                observed=what_was_served(response),
                expected=f"401, or a redirect to {' or '.join(portals)}")  # fmt: skip
