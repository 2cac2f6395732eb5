"""TORR-03, live: qBittorrent listens on the port the VPN forwards, and peers reach it through that port.

After a VPN reconnect the provider may forward another port: qBittorrent keeps listening on the old one and
silently stops receiving peers. The listening port is compared with the forwarded one, and qBittorrent's own
verdict (`connection_status`: `connected` once a peer from outside got in, `firewalled` when none can) proves
the path end to end."""

import pytest

from orion.expect import expect, expect_that
from orion.probes.gluetun import forwarded_port
from orion.probes.qbittorrent import QbtApi

pytestmark = [pytest.mark.req("TORR-03"), pytest.mark.critical, pytest.mark.live]


def test_qbittorrent_listens_on_the_port_the_vpn_forwards(http, docker_node):
    forwarded = forwarded_port(http("gluetun"), docker_node)
    listening = QbtApi.of(http("qbittorrent")).preferences().get("listen_port")
    expect_that(bool(forwarded.port), "the VPN forwards no port: no peer can connect in", observed=str(forwarded),
                expected="a forwarded port")  # fmt: skip
    expect(listening, forwarded.port, f"qBittorrent listens on {listening}, the VPN forwards {forwarded}")


def test_peers_connect_in_through_the_forwarded_port(http):
    status = QbtApi.of(http("qbittorrent")).transfer().get("connection_status")
    expect(status, "connected", "qBittorrent gets no incoming peer: its port is not reachable through the VPN")
