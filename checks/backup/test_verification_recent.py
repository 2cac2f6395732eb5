"""MAINT-02, live (weekly): the backups' own verification (`backup.sh check`: restic check --read-data-subset on
each repository, and the canary restore compared with its manifest) succeeded within its period.

Its period is the job's schedule (BACKUP_CHECK_CRON, monthly by default) plus a grace; its witness is the job's
textfile report read through Prometheus: the last run's exit code (restic's, explained) and the time of its last
success, for each repository.
"""

from time import time

import pytest

from orion.expect import expect_that
from orion.probes.backup_metrics import last_run
from orion.probes.restic import explain_exit

pytestmark = [pytest.mark.req("MAINT-02"), pytest.mark.live, pytest.mark.weekly]
#: A monthly verification, plus four days of grace.
PERIOD_H = 35 * 24


@pytest.mark.parametrize("repository", ["local", "offsite"])
def test_the_last_verification_succeeded_within_its_period(service, repository):
    run = last_run(service("prometheus"), "check", repository)
    expect_that(run is not None, f"Prometheus has no report of a verification of the {repository} repository",
                observed="no orion_backup_last_exit_code series",
                expected=f'orion_backup_last_exit_code{{kind="check",repository="{repository}"}}')  # fmt: skip
    assert run is not None
    expect_that(run.exit_code == 0,
                f"the last verification of the {repository} repository exited {run.exit_code} "
                f"({explain_exit(run.exit_code)})",
                observed=run.exit_code, expected=0)  # fmt: skip
    age = run.success_age_hours(time())
    expect_that(age is not None and age <= PERIOD_H,
                f"the last successful verification of the {repository} repository is too old",
                observed="never" if age is None else f"{age / 24:.1f} days ago",
                expected=f"within {PERIOD_H // 24} days")  # fmt: skip
