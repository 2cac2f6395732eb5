"""INFRA-02: the one client cortex must export the HDD to, and whether synapse really has the export mounted.

The nfs role exports to `nfs_synapse_address`, whose default Ansible computes from synapse's facts
(`ansible_facts.default_ipv4.address`, else its `ansible_host`); `expected_client` mirrors it. A systemd
automount shows as `autofs` on the mount point while nothing is mounted: armed is not mounted, so the check
touches the mount point first (which mounts it) and then asks for the NFS mount itself.
"""

from __future__ import annotations

import re

from orion.inventory import Host
from orion.probes import desired

#: What Ansible runs to find the default IPv4 address (no traffic: the kernel only picks a route).
ROUTE_COMMAND = "ip -4 route get 8.8.8.8"
#: How long the probe waits for the automount to mount (the role's x-systemd.mount-timeout is 30 s).
MOUNT_WAIT_S = 35


def route_source(route_get: str) -> str | None:
    """The source address of `ip -4 route get` output ("8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.3 uid 0")."""
    found = re.search(r"\bsrc (\d{1,3}(?:\.\d{1,3}){3})\b", route_get)
    return found.group(1) if found else None


def configured_client(cortex: Host) -> str | None:
    """The inventory's `nfs_synapse_address` for cortex, or None when the role computes it from facts."""
    value = desired.var(cortex, "nfs", "nfs_synapse_address")
    return None if value is None or "{{" in str(value) else str(value).strip()


def expected_client(cortex: Host, synapse: Host, synapse_route: str | None) -> str:
    """The address cortex must export to: the inventory's, else synapse's default IPv4 address, else its
    ansible_host (the role default's fallback)."""
    return configured_client(cortex) or route_source(synapse_route or "") or synapse.address


def mount_command(path: str) -> str:
    """Trigger the automount (bounded wait), then list what /proc/mounts has at `path`."""
    return f"timeout {MOUNT_WAIT_S} stat -c %i {path}/. >/dev/null 2>&1; grep -F ' {path} ' /proc/mounts || true"


def fstypes_at(proc_mounts: str, path: str) -> list[str]:
    """The filesystem types mounted at `path`, in /proc/mounts order (an armed automount is `autofs`, then the
    NFS mount stacks on it once mounted)."""
    types = []
    for line in proc_mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == path:
            types.append(fields[2])
    return types
