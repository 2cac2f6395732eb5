"""MAINT-03: smartd watches the HDD through its USB bridge (-d sat) and runs scheduled SMART self-tests."""

import pytest

from orion.expect import expect_contains, expect_that

pytestmark = [pytest.mark.req("MAINT-03"), pytest.mark.daily, pytest.mark.live]


def test_smartd_is_running(processes):
    expect_contains(processes, "smartd", "smartd is not running: nobody watches the HDD's health")


def test_smartd_schedules_short_and_long_self_tests_through_the_usb_bridge(smartd_conf):
    scheduled = [d for d in smartd_conf if "-d sat" in d and "-s " in d and "S/" in d and "L/" in d]
    expect_that(
        bool(scheduled),
        "smartd.conf schedules no short and long self-tests through the USB bridge (-d sat, -s (S/…|L/…))",
        observed=smartd_conf,
        expected="a DEVICE -d sat … -s (S/…|L/…) directive",
    )


def test_smartd_watches_a_disk_with_short_and_long_self_tests_scheduled(smartd_watched):
    """smartd running and configured is not enough: it must have registered the HDD (`smartd -q showtests`)."""
    tested = [dev for dev, types in smartd_watched.items() if {"S", "L"} <= types]
    expect_that(
        bool(tested),
        "smartd watches no disk with short and long self-tests scheduled",
        observed={dev: sorted(types) for dev, types in smartd_watched.items()} or "no disk registered",
        expected="a device such as /dev/sda [SAT] with self-tests of type S and L",
    )
