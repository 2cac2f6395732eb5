"""MAINT-01: logs are rotated and purged: logrotate is installed with a valid configuration, journald is bounded."""

import pytest

from orion.expect import expect, expect_that

pytestmark = [pytest.mark.req("MAINT-01"), pytest.mark.daily, pytest.mark.live]


def test_logrotate_is_installed_and_its_configuration_is_valid(logrotate):
    expect(logrotate, "ok", "logrotate will not rotate the logs")


def test_journald_is_size_limited(journald_conf):
    expect_that(
        bool(journald_conf.get("SystemMaxUse")),
        "journald's size is not limited (SystemMaxUse): the journal can fill the SD card",
        observed=journald_conf,
        expected={"SystemMaxUse": "200M"},
    )
