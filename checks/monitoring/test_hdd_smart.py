"""MON-06 (host side): the HDD's SMART data is readable through the USB bridge, and the disk is healthy.
Read from `smartctl -j -a -d sat` on the disk behind /mnt/hdd (orion.probes.smart)."""

import pytest

from orion.expect import expect, expect_that
from orion.outcomes import CannotObserve

pytestmark = [pytest.mark.req("MON-06"), pytest.mark.critical, pytest.mark.live]


def _readable(smart):
    if not smart.readable:
        raise CannotObserve(f"cannot read the HDD's SMART data: {smart.why_unreadable}")
    return smart


def test_hdd_smart_data_is_readable(smart):
    expect_that(smart.readable, "smartctl cannot read the HDD's SMART data", observed=smart.why_unreadable,
                expected="readable SMART data")  # fmt: skip


def test_hdd_does_not_report_failing(smart):
    expect(_readable(smart).failing, False, "the HDD's SMART health assessment says FAILING: replace the disk")


def test_hdd_has_no_reallocated_pending_or_uncorrectable_sectors(smart):
    expect(_readable(smart).warnings, {}, "the HDD reports bad sectors: back it up and plan its replacement")
