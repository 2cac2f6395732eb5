"""SEC-06's live probe: which answers turn a visitor away, and which hosts the Caddyfile protects."""

from __future__ import annotations

import httpx
import pytest

from orion.probes.forwardauth import protected, turned_away, what_was_served

PORTAL = ("auth.jarvis-hub.tech",)


def answer(status: int, location: str | None = None) -> httpx.Response:
    headers = {"location": location} if location else {}
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "https://127.0.0.1/"))


@pytest.mark.parametrize(
    "response",
    [
        answer(302, "https://auth.jarvis-hub.tech/?rd=https%3A%2F%2Fgrafana.jarvis-hub.tech%2F"),
        answer(401),
    ],
)
def test_only_authelia_turning_the_visitor_away_proves_forward_auth(response):
    assert turned_away(response, PORTAL)


@pytest.mark.parametrize(
    "response",
    [
        answer(200),
        answer(404),
        answer(302, "/web/index.html"),
        answer(302, "https://jellyfin.jarvis-hub.tech/web/"),
        answer(403),  # (private_only) turned the source away before forward_auth: a host without it answers so too
    ],
)
def test_anything_else_is_not_protected(response):
    assert not turned_away(response, PORTAL)


def test_a_403_says_why_it_proves_nothing_and_a_redirect_says_where_it_goes():
    assert "not proven" in what_was_served(answer(403))
    assert what_was_served(answer(302, "/web/index.html")) == "302 to /web/index.html"
    assert what_was_served(answer(200)) == "200 served"


def test_the_repository_caddyfile_protects_the_public_and_deep_hosts_and_lets_the_portal_through():
    routes = protected("cortex")
    assert {"jellyfin.jarvis-hub.tech", "grafana.jarvis-hub.tech", "radarr.jarvis-hub.tech"} <= set(routes.hosts)
    assert routes.portals == PORTAL
    assert not set(routes.hosts) & set(routes.portals)
