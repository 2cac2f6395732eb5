"""PROXY-03, live: cloudflared is ready (it holds edge connections) and the ingress it serves, read from its own
metrics server (`/config`: what it runs, local or pushed from Cloudflare's dashboard), routes exactly the public
set, each through Caddy, and ends in a 404 catch-all."""

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes.exposure import PUBLIC
from orion.probes.tunnel import CATCH_ALL_404

pytestmark = [pytest.mark.req("PROXY-03"), pytest.mark.critical, pytest.mark.live]

ENTRY_POINT = "caddy"


def _ingress(cloudflared):
    rules = ((cloudflared.json("/config").get("config") or {}).get("ingress")) or []
    if not isinstance(rules, list) or not rules:
        raise CannotObserve("cloudflared: /config serves no ingress rule")
    return rules


def test_cloudflared_holds_edge_connections(http):
    ready = http("cloudflared").get("/ready")
    body = ready.json() if ready.status_code in (200, 503) else {}
    expect_that(ready.status_code == 200 and int(body.get("readyConnections") or 0) > 0,
                "cloudflared has no connection to Cloudflare's edge",
                observed={"status": ready.status_code, "readyConnections": body.get("readyConnections")},
                expected={"status": 200, "readyConnections": ">= 1"})  # fmt: skip


def test_the_running_tunnel_routes_exactly_the_public_set_through_caddy(http):
    rules = _ingress(http("cloudflared"))
    routed = {str(r.get("hostname")): str(r.get("service")) for r in rules if r.get("hostname")}
    expect(sorted(routed), sorted(PUBLIC), "cloudflared runs an ingress that is not exactly the public set")
    direct = {h: s for h, s in routed.items() if ENTRY_POINT not in s.split("://")[-1].split(":")[0]}
    expect_none(direct, "public hosts that cloudflared sends around Caddy (and so around Authelia)")


def test_the_running_tunnel_ends_in_a_404_catch_all(http):
    last = _ingress(http("cloudflared"))[-1]
    expect((last.get("hostname") or None, last.get("service")), (None, CATCH_ALL_404),
           "cloudflared's last running ingress rule (hostname, service) must catch all with a 404")  # fmt: skip
