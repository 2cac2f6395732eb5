"""TORR-01..03, statically: qBittorrent lives inside Gluetun's network namespace, Gluetun runs AirVPN over
WireGuard with its killswitch on, and the port AirVPN forwards is the one qBittorrent listens on."""

import ipaddress

import pytest

from orion.expect import expect, expect_contains, expect_none, expect_that
from orion.probes.composespec import device_source
from orion.probes.qbittorrent import QbtConf

pytestmark = [pytest.mark.static, pytest.mark.daily]

GLUETUN = "service:gluetun"
FIREWALL_OFF = ("off", "false", "no", "0")


@pytest.mark.req("TORR-01")
def test_qbittorrent_uses_gluetuns_network(stack):
    qbt = stack.service("qbittorrent")
    expect(qbt.network_mode, GLUETUN, "qBittorrent must use Gluetun's network", where=qbt.where("network_mode"))


@pytest.mark.req("TORR-01")
def test_gluetun_may_manage_the_network(stack):
    gluetun = stack.service("gluetun")
    expect_contains(gluetun.cap_add, "NET_ADMIN", "Gluetun lacks the capability", where=gluetun.where("cap_add"))


@pytest.mark.req("TORR-01")
def test_gluetun_has_the_tun_device(stack):
    gluetun = stack.service("gluetun")
    sources = [device_source(d) for d in gluetun.devices]
    expect_contains(sources, "/dev/net/tun", "Gluetun has no tun device, so no tunnel", where=gluetun.where("devices"))


@pytest.mark.req("TORR-01")
def test_gluetun_runs_airvpn_over_wireguard(stack):
    gluetun = stack.service("gluetun")
    env = gluetun.environment
    for key, value in (("VPN_SERVICE_PROVIDER", "airvpn"), ("VPN_TYPE", "wireguard")):
        expect(env.get(key), value, f"Gluetun's {key}", where=gluetun.where("environment", key))


@pytest.mark.req("TORR-02")
def test_qbittorrent_publishes_no_ports_of_its_own(stack):
    qbt = stack.service("qbittorrent")
    expect_none(qbt.ports, "qBittorrent publishes ports of its own: it must share Gluetun's network only (publish "
                "its WebUI on gluetun)", where=qbt.where("ports"))  # fmt: skip


@pytest.mark.req("TORR-02")
def test_qbittorrent_joins_no_network_of_its_own(stack):
    qbt = stack.service("qbittorrent")
    expect_none(qbt.networks, "qBittorrent joins networks of its own: its traffic could leave outside the tunnel",
                where=qbt.where("networks"))  # fmt: skip


@pytest.mark.req("TORR-02")
def test_gluetuns_killswitch_is_on(stack):
    gluetun = stack.service("gluetun")
    firewall = gluetun.environment.get("FIREWALL", "on").lower()
    expect_that(firewall not in FIREWALL_OFF, "Gluetun's firewall, the killswitch, is off", observed=firewall,
                expected="on", where=gluetun.where("environment", "FIREWALL"))  # fmt: skip


@pytest.mark.req("TORR-02")
def test_gluetun_opens_no_outbound_route_to_the_world(stack):
    gluetun = stack.service("gluetun")
    subnets = [s.strip() for s in gluetun.environment.get("FIREWALL_OUTBOUND_SUBNETS", "").split(",") if s.strip()]
    expect_none([s for s in subnets if not _private(s)], "Gluetun lets traffic to public subnets bypass the tunnel "
                "(private ones only)", where=gluetun.where("environment", "FIREWALL_OUTBOUND_SUBNETS"))  # fmt: skip


@pytest.mark.req("TORR-02")
def test_qbittorrent_is_bound_to_the_tunnel_interface(stack):
    interface, where = QbtConf.of(stack).get("BitTorrent", "Session\\Interface")
    expect(interface, "tun0", "qBittorrent's seed configuration must bind it to tun0", where=where)


@pytest.mark.req("TORR-03")
def test_the_forwarded_port_is_qbittorrents_listening_port(stack):
    gluetun, qbt = stack.service("gluetun"), stack.service("qbittorrent")
    allowed = [p.strip() for p in gluetun.environment.get("FIREWALL_VPN_INPUT_PORTS", "").split(",") if p.strip()]
    listening = qbt.environment.get("TORRENTING_PORT", "")
    expect_that(bool(listening), "qBittorrent sets no TORRENTING_PORT", observed=listening, expected="a port",
                where=qbt.where("environment"))  # fmt: skip
    expect_contains(allowed, listening, f"qBittorrent listens on {listening}, which Gluetun's FIREWALL_VPN_INPUT_PORTS "
                    "does not let in", where=[qbt.where("environment", "TORRENTING_PORT"),
                                              gluetun.where("environment", "FIREWALL_VPN_INPUT_PORTS")])  # fmt: skip


def _private(subnet: str) -> bool:
    try:
        network = ipaddress.ip_network(subnet, strict=False)
    except ValueError:
        return False
    return network.is_private and network.prefixlen > 0
