"""TORR-01..03, statically: qBittorrent lives inside Gluetun's network namespace, Gluetun runs AirVPN over
WireGuard with its killswitch on, and the port AirVPN forwards is the one qBittorrent listens on."""

import ipaddress

import pytest

from orion.expect import expect, expect_that
from orion.probes.composespec import device_source
from orion.probes.qbittorrent import QbtConf

pytestmark = [pytest.mark.static, pytest.mark.daily]

GLUETUN = "service:gluetun"
FIREWALL_OFF = ("off", "false", "no", "0")


@pytest.mark.req("TORR-01")
def test_qbittorrent_uses_gluetuns_network(stack):
    qbt = stack.service("qbittorrent")
    expect(qbt.network_mode, GLUETUN, f"qBittorrent must use Gluetun's network ({qbt.where('network_mode')})")


@pytest.mark.req("TORR-01")
def test_gluetun_may_manage_the_network(stack):
    gluetun = stack.service("gluetun")
    expect_that("NET_ADMIN" in gluetun.cap_add, f"Gluetun lacks the NET_ADMIN capability ({gluetun.where('cap_add')})")


@pytest.mark.req("TORR-01")
def test_gluetun_has_the_tun_device(stack):
    gluetun = stack.service("gluetun")
    tun = [d for d in gluetun.devices if device_source(d) == "/dev/net/tun"]
    expect_that(bool(tun), f"Gluetun has no /dev/net/tun device, so no tunnel ({gluetun.where('devices')})")


@pytest.mark.req("TORR-01")
def test_gluetun_runs_airvpn_over_wireguard(stack):
    gluetun = stack.service("gluetun")
    env = gluetun.environment
    expect(env.get("VPN_SERVICE_PROVIDER"), "airvpn",
           f"Gluetun's VPN provider ({gluetun.where('environment', 'VPN_SERVICE_PROVIDER')})")  # fmt: skip
    expect(env.get("VPN_TYPE"), "wireguard", f"Gluetun's VPN type ({gluetun.where('environment', 'VPN_TYPE')})")


@pytest.mark.req("TORR-02")
def test_qbittorrent_publishes_no_ports_of_its_own(stack):
    qbt = stack.service("qbittorrent")
    expect_that(not qbt.ports, f"qBittorrent publishes ports of its own ({qbt.where('ports')}): it must share "
                "Gluetun's network only (publish its WebUI on gluetun)")  # fmt: skip


@pytest.mark.req("TORR-02")
def test_qbittorrent_joins_no_network_of_its_own(stack):
    qbt = stack.service("qbittorrent")
    expect_that(not qbt.networks, f"qBittorrent joins networks of its own ({qbt.where('networks')}): its traffic "
                "could leave outside the tunnel")  # fmt: skip


@pytest.mark.req("TORR-02")
def test_gluetuns_killswitch_is_on(stack):
    gluetun = stack.service("gluetun")
    firewall = gluetun.environment.get("FIREWALL", "on").lower()
    expect_that(firewall not in FIREWALL_OFF,
                f"Gluetun's firewall, the killswitch, is off ({gluetun.where('environment', 'FIREWALL')})")  # fmt: skip


@pytest.mark.req("TORR-02")
def test_gluetun_opens_no_outbound_route_to_the_world(stack):
    gluetun = stack.service("gluetun")
    subnets = [s.strip() for s in gluetun.environment.get("FIREWALL_OUTBOUND_SUBNETS", "").split(",") if s.strip()]
    public = [s for s in subnets if not _private(s)]
    expect_that(not public, f"Gluetun lets traffic to {', '.join(public)} bypass the tunnel "
                f"({gluetun.where('environment', 'FIREWALL_OUTBOUND_SUBNETS')}): private subnets only")  # fmt: skip


@pytest.mark.req("TORR-02")
def test_qbittorrent_is_bound_to_the_tunnel_interface(stack):
    interface, where = QbtConf.of(stack).get("BitTorrent", "Session\\Interface")
    expect(interface, "tun0", f"qBittorrent's seed configuration must bind it to tun0 ({where})")


@pytest.mark.req("TORR-03")
def test_the_forwarded_port_is_qbittorrents_listening_port(stack):
    gluetun, qbt = stack.service("gluetun"), stack.service("qbittorrent")
    allowed = [p.strip() for p in gluetun.environment.get("FIREWALL_VPN_INPUT_PORTS", "").split(",") if p.strip()]
    listening = qbt.environment.get("TORRENTING_PORT", "")
    expect_that(bool(listening), f"qBittorrent sets no TORRENTING_PORT ({qbt.where('environment')})")
    expect_that(listening in allowed,
                f"qBittorrent listens on {listening} ({qbt.where('environment', 'TORRENTING_PORT')}), which Gluetun "
                f"does not let in: FIREWALL_VPN_INPUT_PORTS={','.join(allowed) or '(none)'} "
                f"({gluetun.where('environment', 'FIREWALL_VPN_INPUT_PORTS')})")  # fmt: skip


def _private(subnet: str) -> bool:
    try:
        network = ipaddress.ip_network(subnet, strict=False)
    except ValueError:
        return False
    return network.is_private and network.prefixlen > 0
