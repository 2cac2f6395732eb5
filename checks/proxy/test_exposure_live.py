"""PROXY-05, live: from the Internet (the tunnel's edge, asked with each host name of the Caddyfile), no deep
service answers: the tunnel's catch-all 404, or Caddy's `private_only` 403, or no connection at all. From the LAN
(Caddy's LAN address) each of them answers, through Authelia. A deep service added to the tunnel, or a route that
lost `private_only`, shows here; so does a host name that only the tunnel knows (a rule added in Cloudflare's
dashboard, straight to a service's port): whatever answers it from the Internet is not one of the public services.
In the lab the edge is cloudflared's stand-in on lab_wan, the lab's internet. And no running deep service, of the
stack or started by hand, publishes a port on every interface: that port answers on whatever address the node has,
a global IPv6 one included, where no NAT stands in the way."""

import pytest

from orion.errors import ConfigError
from orion.expect import At, expect_none
from orion.outcomes import CannotObserve, SubjectDown
from orion.probes.caddyfile import Caddyfile
from orion.probes.compose import Stack
from orion.probes.docker import SERVICE_LABEL
from orion.probes.exposure import PUBLIC, deep_name, is_deep, published_everywhere
from orion.probes.forwardauth import protected, turned_away, what_was_served

pytestmark = [pytest.mark.req("PROXY-05"), pytest.mark.daily, pytest.mark.live, pytest.mark.on("cortex")]


def _deep_hosts(node):
    try:
        caddyfile = Caddyfile.of(Stack(node.node))
    except ConfigError as exc:
        raise CannotObserve(f"cannot read the desired Caddy routes: {exc}") from None
    return [(h, caddyfile.where(r.block.line)) for r in caddyfile.routes() for h in r.hosts if is_deep(h)]


def _routed(cloudflared):
    """The host names the running tunnel forwards somewhere (its ingress from cloudflared's /config)."""
    rules = (cloudflared.json("/config").get("config") or {}).get("ingress") or []
    return {
        str(r.get("hostname"))
        for r in rules
        if r.get("hostname") and not str(r.get("service")).startswith("http_status:")
    }


def test_no_deep_service_answers_from_the_internet(node, http):
    edge, routed = http("tunnel-edge"), _routed(http("cloudflared"))
    deep = _deep_hosts(node)
    tunnel_only = [(h, "the tunnel's running ingress") for h in sorted(routed - PUBLIC - {h for h, _ in deep})]
    answered = []
    for host, where in deep + tunnel_only:
        try:
            response = edge.get("/", headers={"Host": host, "Accept": "text/html"}, auth_expected=False)
        except SubjectDown as down:
            if down.observed.startswith("HTTP"):  # the edge forwarded it, and the origin failed: it is routed
                answered.append(At(f"{host}: routed by the tunnel ({down.observed})", where))
            continue  # no connection from the Internet: what PROXY-05 asks
        status = response.status_code
        if status == 403 or (status == 404 and host not in routed):
            continue  # Caddy's private_only, or the tunnel's catch-all
        answered.append(At(f"{host}: {what_was_served(response)}{' (routed by the tunnel)' if host in routed else ''}",
                           where))  # fmt: skip
    expect_none(answered, "deep services that answer from the Internet (through the tunnel)")


def test_every_deep_service_answers_from_the_lan(node, http):
    caddy, portals = http("caddy"), protected().portals
    silent = []
    for host, where in _deep_hosts(node):
        response = caddy.get("/", headers={"Host": host, "Accept": "text/html"}, extensions={"sni_hostname": host},
                             auth_expected=False)  # fmt: skip
        if not turned_away(response, portals):
            silent.append(At(f"{host}: {what_was_served(response)}", where))
    expect_none(silent, "deep services that do not answer the LAN through Authelia")


def test_no_running_deep_service_publishes_a_port_on_every_interface(docker_node):
    published = []
    for c in docker_node.running():
        deep = deep_name(c.labels.get(SERVICE_LABEL, ""), c.name, str(c.attrs["Config"].get("Image", "")))
        if deep and (everywhere := published_everywhere(c.attrs["NetworkSettings"].get("Ports"))):
            published.append(f"{c.name} ({deep}): {', '.join(everywhere)}")
    expect_none(published, "deep services whose ports are published on every interface (bind them to the LAN IP)")
