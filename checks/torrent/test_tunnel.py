"""TORR-01/02, live: qBittorrent lives inside Gluetun's namespace, the tunnel is up and carries its traffic, and the
killswitch is armed and holds: a connection forced around the tunnel gets nowhere."""

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes import egress
from orion.probes.firewall import RULESET_COMMAND, output_dropped, output_policies

pytestmark = [pytest.mark.critical, pytest.mark.live]


@pytest.mark.req("TORR-01")
def test_the_vpn_tunnel_is_running(http):
    status = http("gluetun").json("/v1/vpn/status")
    expect(status.get("status"), "running", "Gluetun reports the VPN tunnel down")


@pytest.mark.req("TORR-01")
def test_qbittorrent_shares_gluetuns_network_namespace(docker_node):
    qbittorrent, gluetun = docker_node.container("qbittorrent"), docker_node.container("gluetun")
    expect_none([n for n, c in (("qbittorrent", qbittorrent), ("gluetun", gluetun)) if c is None], "not deployed")
    mode = qbittorrent.attrs["HostConfig"]["NetworkMode"]
    expect(mode, f"container:{gluetun.id}", "qBittorrent has a network of its own, outside the VPN")


@pytest.mark.req("TORR-02")
def test_the_gateway_drops_all_traffic_outside_the_tunnel(docker_node):
    rc, ruleset = docker_node.exec("gluetun", RULESET_COMMAND)
    expect(rc, 0, "cannot read the gateway's firewall")
    expect_that(output_dropped(ruleset), "the killswitch is off: the gateway lets traffic out when the VPN is down",
                observed=output_policies(ruleset), expected="an output policy drop")  # fmt: skip


def _internet(node) -> str:
    """The inventory's `internet` address: reachable through the tunnel, never around it."""
    if "internet" not in node.services:
        raise CannotObserve(f"{node.name}: the inventory has no `internet` service: no address to probe egress with")
    return node.services["internet"].url


@pytest.mark.req("TORR-01")
def test_qbittorrent_reaches_the_internet_through_the_tunnel(docker_node, node):
    target = _internet(node)
    probe = egress.read(*docker_node.exec("qbittorrent", egress.command(target, around_tunnel=False)))
    expect_that(
        probe.answered,
        "qBittorrent cannot reach the internet: the tunnel carries nothing",
        observed=f"{target}: {probe}",
        expected="an HTTP answer from the far side, through the tunnel",
    )


@pytest.mark.req("TORR-02")
def test_qbittorrent_cannot_reach_the_internet_around_the_tunnel(docker_node, node):
    target = _internet(node)
    probe = egress.read(*docker_node.exec("qbittorrent", egress.command(target, around_tunnel=True)))
    expect_that(
        not probe.left,
        f"qBittorrent's traffic leaves through {probe.wan}, around the tunnel: the killswitch lets it out",
        observed=f"{target}: {probe}",
        expected="stopped before it leaves: no answer, or a refusal while nothing left the WAN interface",
    )
