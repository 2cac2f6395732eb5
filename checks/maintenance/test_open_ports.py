"""MAINT-06: no unexpected listening port: every socket listening beyond loopback is in the node's allow-list
(provisioning/roles/maintenance, maintenance_allowed_ports, plus the inventory's maintenance_extra_allowed_ports)."""

import ipaddress

import pytest

from orion.expect import expect
from orion.probes import desired

pytestmark = [pytest.mark.req("MAINT-06"), pytest.mark.daily, pytest.mark.live]


def _exposed(address: str) -> bool:
    try:
        return not ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return True  # "*" and other wildcards listen everywhere


def test_no_unexpected_port_listens(listening, node):
    allowed = desired.allowed_ports(node)
    unexpected = sorted({f"{port}/{proto} on {address}" for proto, address, port in listening
                         if _exposed(address) and (proto, port) not in allowed})  # fmt: skip
    expect(unexpected, [], "ports listen that the allow-list does not name")
