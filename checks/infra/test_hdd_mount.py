"""INFRA-01: the 4 TB HDD is ext4, mounted on orion-cortex by UUID with nofail (a missing disk never blocks boot)."""

import pytest

from orion.expect import expect, expect_that
from orion.probes import desired

pytestmark = [pytest.mark.req("INFRA-01"), pytest.mark.critical, pytest.mark.live]


def test_hdd_is_mounted_as_ext4(mounts, node):
    path = desired.var(node, "storage", "storage_mount_point")
    fstype = mounts.get(path, {}).get("fstype", "not mounted")
    expect(fstype, "ext4", f"the HDD is not mounted as ext4 at {path}")


def test_hdd_is_mounted_by_uuid_with_nofail(fstab, node):
    path = desired.var(node, "storage", "storage_mount_point")
    entry = fstab.get(path, {"source": "no fstab entry", "options": []})
    expect_that(
        entry["source"].startswith("UUID=") and "nofail" in entry["options"],
        f"fstab does not mount {path} by UUID with nofail: a renamed or missing disk breaks the mount or the boot",
        observed=entry,
        expected="UUID=… with nofail",
    )
