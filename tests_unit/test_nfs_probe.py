"""INFRA-02's probe: the client cortex must export to (as the nfs role computes it), and what counts as mounted."""

from __future__ import annotations

from orion.inventory import Host
from orion.probes import nfs

CORTEX = Host("orion-cortex", "cortex", "192.168.1.10")
SYNAPSE = Host("orion-synapse", "synapse", "synapse.lan")
# `ip -4 route get 8.8.8.8` on a Pi (what Ansible reads for default_ipv4).
ROUTE = "8.8.8.8 via 192.168.1.1 dev eth0 src 192.168.1.11 uid 0 \n    cache \n"

# /proc/mounts on synapse, with the role's fstab entry (x-systemd.automount).
ARMED = (
    "/dev/mmcblk0p2 / ext4 rw,noatime 0 0\n"
    "systemd-1 /mnt/hdd autofs rw,relatime,fd=51,pgrp=1,timeout=600,minproto=5,maxproto=5,direct,pipe_ino=17921 0 0\n"
)
MOUNTED = ARMED + (
    "192.168.1.10:/mnt/hdd /mnt/hdd nfs4 rw,noatime,vers=4.2,rsize=131072,wsize=131072,namlen=255,hard,proto=tcp,"
    "timeo=600,retrans=2,sec=sys,clientaddr=192.168.1.11,local_lock=none,addr=192.168.1.10 0 0\n"
)


def test_synapse_is_expected_at_its_default_route_source_as_ansible_computes_it():
    assert nfs.route_source(ROUTE) == "192.168.1.11"
    assert nfs.expected_client(CORTEX, SYNAPSE, ROUTE) == "192.168.1.11"


def test_without_a_route_the_role_falls_back_to_ansible_host():
    assert nfs.expected_client(CORTEX, SYNAPSE, None) == "synapse.lan"
    assert nfs.route_source("RTNETLINK answers: Network is unreachable") is None


def test_the_inventory_s_nfs_synapse_address_wins():
    cortex = Host("orion-cortex", "cortex", "192.168.1.10", vars={"nfs_synapse_address": "192.168.1.50"})
    assert nfs.configured_client(cortex) == "192.168.1.50"
    assert nfs.expected_client(cortex, SYNAPSE, ROUTE) == "192.168.1.50"
    assert nfs.configured_client(CORTEX) is None  # the role default is a template: computed from facts


def test_an_armed_automount_whose_server_is_dead_is_not_a_mount():
    # The probe touched /mnt/hdd; with cortex's NFS server dead the mount timed out and only the trigger remains.
    assert nfs.fstypes_at(ARMED, "/mnt/hdd") == ["autofs"]
    assert nfs.fstypes_at(MOUNTED, "/mnt/hdd") == ["autofs", "nfs4"]
    assert nfs.fstypes_at(MOUNTED, "/mnt") == []


def test_the_probe_touches_the_mount_point_within_the_mount_timeout():
    command = nfs.mount_command("/mnt/hdd")
    assert command.startswith(f"timeout {nfs.MOUNT_WAIT_S} stat")
    assert "/proc/mounts" in command
