"""MAINT-06: no unexpected listening port: every socket listening beyond loopback (TCP listeners and every bound
UDP socket, from `ss -tulnp`) is in the node's allow-list (provisioning/roles/maintenance: maintenance_allowed_ports,
the inventory's maintenance_extra_allowed_ports, and maintenance_allowed_processes: daemons that pick their ports)."""

import ipaddress

import pytest

from orion.expect import expect
from orion.probes import desired

pytestmark = [pytest.mark.req("MAINT-06"), pytest.mark.daily, pytest.mark.live]


def _exposed(address: str) -> bool:
    ip, _, interface = address.partition("%")
    if interface == "lo":
        return False  # bound to the loopback interface, whatever the address
    try:
        return not ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return True  # "*" and other wildcards listen everywhere


def _allowed(listener, ports: set, processes: set) -> bool:
    """By its port, or by the daemon that holds it (avahi's and tailscaled's ports are their own choice)."""
    by_process = (listener.process, listener.proto) in processes or (listener.process, None) in processes
    return (listener.proto, listener.port) in ports or (bool(listener.process) and by_process)


def test_no_unexpected_port_listens(listeners, node):
    ports, processes = desired.allowed_ports(node), desired.allowed_processes(node)
    unexpected = sorted({f"{s.port}/{s.proto} on {s.address} ({s.process or 'kernel'})" for s in listeners
                         if _exposed(s.address) and not _allowed(s, ports, processes)})  # fmt: skip
    expect(unexpected, [], "ports listen that the allow-list does not name")
