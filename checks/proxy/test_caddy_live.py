"""PROXY-01, PROXY-02, live: the Caddy that runs routes every host of the Caddyfile to its upstream (what it loaded,
read from its admin API, against stacks/), answers for each of them, and serves each a certificate that covers the
name and stays valid for at least 14 more days."""

import pytest

from orion.errors import ConfigError
from orion.expect import At, expect_none
from orion.outcomes import CannotObserve
from orion.probes.caddyadmin import desired_upstreams, running_config, upstreams_by_host
from orion.probes.caddyfile import Caddyfile
from orion.probes.compose import Stack
from orion.probes.forwardauth import what_was_served
from orion.probes.tls import served

pytestmark = [pytest.mark.live, pytest.mark.on("cortex")]

#: Let's Encrypt certificates last 90 days and Caddy renews them 30 days before the end: 14 days left means that
#: renewal has failed for two weeks.
MIN_DAYS = 14


def _routes(node):
    try:
        caddyfile = Caddyfile.of(Stack(node.node))
    except ConfigError as exc:
        raise CannotObserve(f"cannot read the desired Caddy routes: {exc}") from None
    return [(h, r, caddyfile.where(r.block.line)) for r in caddyfile.routes() for h in r.hosts if "*" not in h]


@pytest.mark.req("PROXY-01")
@pytest.mark.critical
def test_the_running_caddy_sends_each_host_to_its_upstream(node, docker_node):
    running = upstreams_by_host(running_config(docker_node))
    wrong = []
    for host, route, where in _routes(node):
        wanted, runs = desired_upstreams(route), running.get(host, set())
        if runs != wanted:
            wrong.append(At(f"{host}: runs {sorted(runs) or 'no route'}, expected {sorted(wanted)}", where))
    expect_none(wrong, "hosts that the running Caddy does not send to the Caddyfile's upstream")


@pytest.mark.req("PROXY-01")
@pytest.mark.critical
def test_caddy_answers_for_every_host(node, http, request):
    caddy = http("caddy")
    unanswered = []
    for host, _, where in _routes(node):
        try:
            response = caddy.get("/", headers={"Host": host, "Accept": "text/html"}, extensions={"sni_hostname": host},
                                 auth_expected=False)  # fmt: skip
        except CannotObserve:
            request.getfixturevalue("docker_node").require_running("caddy")
            raise
        # Whether Authelia guards the host is SEC-06's business: here any answer below 500 is Caddy's routing at
        # work (Authelia's redirect, the portal, the service); a 5xx is Caddy failing to reach what it routes to.
        if response.status_code >= 500:
            unanswered.append(At(f"{host}: {what_was_served(response)}", where))
    expect_none(unanswered, "hosts that Caddy does not answer (a 5xx: its upstream or Authelia unreachable)")


@pytest.mark.req("PROXY-02")
@pytest.mark.daily
def test_every_host_gets_a_certificate_that_covers_it_for_14_more_days(node, http):
    caddy = http("caddy")
    bad = []
    for host, _, where in _routes(node):
        cert = served(caddy.service.url, host, timeout=caddy.service.timeout)
        if not cert.covers(host):
            bad.append(At(f"{host}: the certificate covers only {list(cert.dns_names)}", where))
        elif cert.days_left() < MIN_DAYS:
            bad.append(At(f"{host}: valid {cert.days_left():.1f} more days (until {cert.not_after:%Y-%m-%d %H:%M} UTC, "
                          f"issuer {cert.issuer})", where))  # fmt: skip
    expect_none(bad, f"certificates that do not cover their host for {MIN_DAYS} more days")
