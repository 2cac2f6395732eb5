"""INFRA-02: cortex exports the HDD over NFS to synapse only, and synapse mounts it on demand (systemd automount)."""

import pytest

from orion.expect import expect_that
from orion.probes import desired

pytestmark = [pytest.mark.req("INFRA-02"), pytest.mark.critical, pytest.mark.live]

NFS = ("nfs", "nfs4")


@pytest.mark.on("cortex")
def test_cortex_exports_the_hdd_to_one_host_only(exports, node):
    path = desired.var(node, "nfs", "nfs_mount_point")
    clients = exports.get(path, [])
    broad = [c for c in clients if c in ("*", "<world>") or any(ch in c for ch in "*?/[@") or c == ""]
    expect_that(
        len(clients) == 1 and not broad,
        f"cortex does not export {path} to synapse alone",
        observed=clients,
        expected="synapse's address, nothing else",
    )


@pytest.mark.on("synapse")
def test_synapse_declares_the_hdd_automount(fstab, node):
    path = desired.var(node, "nfs", "nfs_mount_point")
    entry = fstab.get(path, {"fstype": "no fstab entry", "options": []})
    expect_that(
        entry["fstype"] in NFS and "x-systemd.automount" in entry["options"],
        f"synapse's fstab has no NFS automount of cortex's HDD at {path}",
        observed=entry,
        expected={"fstype": "nfs4", "options": ["x-systemd.automount", "..."]},
    )


@pytest.mark.on("synapse")
def test_synapse_has_the_hdd_mounted(mounts, node):
    path = desired.var(node, "nfs", "nfs_mount_point")
    fstype = mounts.get(path, {}).get("fstype", "not mounted")
    expect_that(fstype in (*NFS, "autofs"), f"cortex's HDD is not mounted (nor armed to mount) at {path}",
                observed=fstype, expected="nfs4 or autofs")  # fmt: skip
