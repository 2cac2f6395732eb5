"""SEC-06's live probe: which answers turn a visitor away, and which hosts the Caddyfile protects."""

from __future__ import annotations

import httpx
import pytest

from orion.probes.forwardauth import protected, turned_away

PORTAL = ("auth.jarvis-hub.tech",)


def answer(status: int, location: str | None = None) -> httpx.Response:
    headers = {"location": location} if location else {}
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "https://127.0.0.1/"))


@pytest.mark.parametrize(
    "response",
    [
        answer(302, "https://auth.jarvis-hub.tech/?rd=https%3A%2F%2Fgrafana.jarvis-hub.tech%2F"),
        answer(401),
        answer(403),  # a LAN-only host asked from elsewhere
        answer(502),  # Authelia down: Caddy serves nothing
    ],
)
def test_authelia_or_caddy_turning_the_visitor_away(response):
    assert turned_away(response, PORTAL)


@pytest.mark.parametrize(
    "response",
    [answer(200), answer(404), answer(302, "/web/index.html"), answer(302, "https://jellyfin.jarvis-hub.tech/web/")],
)
def test_anything_the_service_itself_answers_is_served(response):
    assert not turned_away(response, PORTAL)


def test_the_repository_caddyfile_protects_the_public_and_deep_hosts_and_lets_the_portal_through():
    routes = protected("cortex")
    assert {"jellyfin.jarvis-hub.tech", "grafana.jarvis-hub.tech", "radarr.jarvis-hub.tech"} <= set(routes.hosts)
    assert routes.portals == PORTAL
    assert not set(routes.hosts) & set(routes.portals)
