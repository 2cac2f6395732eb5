"""INFRA-02: cortex exports the HDD over NFS to synapse only, and synapse mounts it on demand (systemd automount)."""

import pytest

from orion.expect import expect_that
from orion.outcomes import CannotObserve
from orion.plugin.run import run_of
from orion.probes import desired, nfs

pytestmark = [pytest.mark.req("INFRA-02"), pytest.mark.critical, pytest.mark.live]

NFS = ("nfs", "nfs4")


@pytest.fixture
def synapse_address(request: pytest.FixtureRequest, node, inventory) -> str:
    """Synapse's address as the nfs role exports to it (see orion.probes.nfs), read on synapse when the inventory
    does not set it."""
    synapses = inventory.on("synapse")
    if not synapses:
        raise CannotObserve("the inventory has no synapse host: nobody to export the HDD to")
    if configured := nfs.configured_client(node):
        return configured
    route = run_of(request.config).probes.remote(synapses[0]).run(nfs.ROUTE_COMMAND)
    return nfs.expected_client(node, synapses[0], route.stdout if route.rc == 0 else None)


@pytest.mark.on("cortex")
def test_cortex_exports_the_hdd_to_synapse_alone(exports, node, synapse_address):
    path = desired.var(node, "nfs", "nfs_mount_point")
    clients = exports.get(path, [])
    expect_that(
        clients == [synapse_address],
        f"cortex does not export {path} to synapse ({synapse_address}) alone",
        observed=clients,
        expected=[synapse_address],
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
def test_synapse_has_the_hdd_mounted(host, node):
    """An armed automount (`autofs`) alone is not enough: touching the mount point must mount cortex's export."""
    path = desired.var(node, "nfs", "nfs_mount_point")
    fstypes = nfs.fstypes_at(host.run(nfs.mount_command(path)).stdout, path)
    expect_that(any(t in NFS for t in fstypes), f"cortex's HDD does not mount at {path} when it is used",
                observed=fstypes or "nothing mounted", expected="nfs4 (under its autofs trigger)")  # fmt: skip
