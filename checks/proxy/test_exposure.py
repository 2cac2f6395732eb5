"""PROXY-01, PROXY-03, PROXY-05: what each node exposes, and what the Cloudflare Tunnel routes.

Caddy alone answers on 80/443 of every interface; the tunnel carries only the public set, through Caddy
(so Authelia always applies); deep services are reachable over the LAN or Tailscale only.
"""

import pytest

from orion.expect import At, expect, expect_none
from orion.probes.composespec import ports, stacks_beside
from orion.probes.exposure import PUBLIC, is_deep
from orion.probes.tunnel import CATCH_ALL_404, Tunnel

pytestmark = [pytest.mark.static, pytest.mark.daily]

ENTRY_POINT = "caddy"
WEB_PORTS = (80, 443)


@pytest.mark.req("PROXY-01")
def test_only_caddy_publishes_web_ports(stack):
    others = [At(f"{s.node}/{svc.name} {p.spec!r}", p.where) for s in stacks_beside(stack)
              for svc in s.services.values() if svc.name != ENTRY_POINT
              for p in ports(svc) if any(p.publishes(w) for w in WEB_PORTS)]  # fmt: skip
    expect_none(others, "only Caddy may publish ports 80/443")


@pytest.mark.req("PROXY-01")
def test_caddy_answers_on_80_and_443_everywhere(stack):
    caddy = stack.service(ENTRY_POINT)
    published = sorted({w for p in ports(caddy) if p.on_all_interfaces for w in WEB_PORTS if p.publishes(w)})
    expect(published, list(WEB_PORTS), "Caddy must publish 80 and 443 on every interface", where=caddy.where("ports"))


@pytest.mark.req("PROXY-03")
def test_the_tunnel_routes_only_the_public_set(stack):
    extra = [At(r.hostname, r.where) for r in Tunnel.of(stack).routed if r.hostname not in PUBLIC]
    expect_none(extra, "cloudflared routes hosts outside the public set")


@pytest.mark.req("PROXY-03")
def test_the_tunnel_routes_every_public_host(stack):
    tunnel = Tunnel.of(stack)
    missing = sorted(PUBLIC - {r.hostname for r in tunnel.routed})
    expect_none(missing, "public hosts that cloudflared does not route", where=tunnel.where)


@pytest.mark.req("PROXY-03")
def test_the_tunnel_reaches_services_through_caddy_only(stack):
    direct = [At(f"{r.hostname} → {r.service}", r.where) for r in Tunnel.of(stack).routed
              if r.upstream_host != ENTRY_POINT]  # fmt: skip
    expect_none(direct, "cloudflared bypasses Caddy, and so Authelia")


@pytest.mark.req("PROXY-03")
def test_the_tunnel_ends_in_a_catch_all_404(stack):
    last = Tunnel.of(stack).ingress[-1]
    expect((last.hostname, last.service), (None, CATCH_ALL_404), "cloudflared's last ingress rule (hostname, service) "
           "must catch all with a 404", where=last.where)  # fmt: skip


@pytest.mark.req("PROXY-05")
def test_no_deep_service_is_in_the_tunnel(stack):
    deep = [At(f"{r.hostname} → {r.service}", r.where) for r in Tunnel.of(stack).routed
            if is_deep(r.hostname or "") or is_deep(r.upstream_host)]  # fmt: skip
    expect_none(deep, "cloudflared exposes deep services to the Internet")


@pytest.mark.req("PROXY-05")
def test_nothing_but_caddy_is_published_on_all_interfaces(stack):
    exposed = [At(f"{s.node}/{svc.name}{' (a deep service)' if is_deep(svc.name) else ''} {p.spec!r}", p.where)
               for s in stacks_beside(stack) for svc in s.services.values() if svc.name != ENTRY_POINT
               for p in ports(svc) if p.on_all_interfaces]  # fmt: skip
    expect_none(exposed, "published on every interface (0.0.0.0, :: or no address; publish on ${LAN_IP} only)")
