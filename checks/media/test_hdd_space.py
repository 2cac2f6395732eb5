"""MEDIA-05, live: the media HDD keeps its free-space reserve (the seed: keep 10-20 % free)."""

import pytest

from orion.expect import expect_that
from orion.probes import desired

pytestmark = [pytest.mark.req("MEDIA-05"), pytest.mark.critical, pytest.mark.live]


def test_the_hdd_keeps_its_free_space_reserve(disk_usage, node):
    path = desired.var(node, "storage", "storage_mount_point")
    reserve = desired.var(node, "storage", "storage_min_free_percent")
    usage = disk_usage.get(path)
    expect_that(usage is not None, f"{path} is not a mounted filesystem: the HDD's space cannot be checked",
                observed=sorted(disk_usage), expected=f"a filesystem at {path}")  # fmt: skip
    free = round(100 * usage["avail"] / usage["size"], 1)
    expect_that(free >= reserve, f"the HDD at {path} has {free} % free, under its {reserve} % reserve",
                observed=f"{free} %", expected=f">= {reserve} %")  # fmt: skip
