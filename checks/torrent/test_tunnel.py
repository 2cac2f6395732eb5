"""TORR-01/02, live: qBittorrent lives inside Gluetun's namespace, the tunnel is up and carries its traffic, and the
killswitch is armed and holds: a connection forced around the tunnel gets nowhere."""

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes import egress
from orion.probes.firewall import RULESET_COMMAND, killswitch

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
    if rc == 127:
        raise CannotObserve(f"{docker_node.host.name}: gluetun has no iptables-save nor nft to read its firewall")
    expect(rc, 0, "cannot read the gateway's firewall")
    verdict = killswitch(ruleset)
    expect_that(verdict.holds, "the killswitch is off or leaks: the gateway lets traffic out around the tunnel",
                observed=str(verdict), expected="new traffic out of the WAN dropped, except to the VPN endpoint "
                "and private subnets (iptables or nftables, whichever backend holds Gluetun's rules)")  # fmt: skip


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
