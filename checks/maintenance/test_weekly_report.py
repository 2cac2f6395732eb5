"""MAINT-07, live: Orion's weekly report (state, incidents, actions, recommendations) was produced and reached the
owner within the last 8 days.

`orion report --weekly` writes <state>/reports/weekly-latest.json when it produces the report; the Telegram sender
writes <state>/reports/weekly-delivered.json when Telegram has accepted its message. Both live in the state dir
of the Orion that runs the timers, on synapse.
"""

from datetime import UTC, datetime

import pytest

from orion.expect import expect_that
from orion.plugin.run import run_of
from orion.report import weekly

pytestmark = [pytest.mark.req("MAINT-07"), pytest.mark.weekly, pytest.mark.live]

MAX_AGE_DAYS = 8
MAX_AGE = f"at most {MAX_AGE_DAYS} days old"


@pytest.fixture
def orion_state(request, node):
    """The state dir of this Orion run (the one the timers use on synapse)."""
    return run_of(request.config).state


def _age(marker: weekly.Marker) -> str:
    age = marker.age_s(datetime.now(UTC))
    return marker.problem or f"{age / 86400:.1f} days old ({marker.at:%Y-%m-%d %H:%M} UTC)"


def test_a_weekly_report_was_produced_within_8_days(orion_state):
    produced = weekly.read_marker(orion_state, weekly.LATEST)
    age = produced.age_s(datetime.now(UTC))
    expect_that(age is not None and age <= MAX_AGE_DAYS * 86400,
                f"no weekly report was produced in the last {MAX_AGE_DAYS} days (orion report --weekly)",
                observed=_age(produced), expected=MAX_AGE, where=str(produced.path))  # fmt: skip


def test_the_weekly_report_was_delivered_within_8_days(orion_state):
    delivered = weekly.read_marker(orion_state, weekly.DELIVERED)
    age = delivered.age_s(datetime.now(UTC))
    expect_that(age is not None and age <= MAX_AGE_DAYS * 86400,
                f"no weekly report reached Telegram in the last {MAX_AGE_DAYS} days",
                observed=_age(delivered), expected=MAX_AGE, where=str(delivered.path))  # fmt: skip
