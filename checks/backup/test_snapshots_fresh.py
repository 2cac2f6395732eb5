"""BACKUP-01/02/03, live: each backup set has a snapshot younger than its period plus a grace, in the repository
it goes to, and the job's last run there exited 0.

The daily set (configs, databases, volume archives, documents, photos: BACKUP-01) goes to the local repository
on the HDD, and to the offsite one (BACKUP-03, the light offsite copy); the media set (BACKUP-02) to the local
one only. Two witnesses: the repository itself (`restic snapshots --json`, run in the restic container), and the
job's own report (its textfile metrics, read through Prometheus), whose exit code restic's table explains.
"""

from datetime import UTC, datetime
from time import time

import pytest

from orion.expect import expect_that
from orion.probes.backup_metrics import last_run
from orion.probes.restic import LOCAL, OFFSITE, Repository, Restic, explain_exit

pytestmark = [pytest.mark.live]
#: A set's period plus a grace: a nightly run that is a couple of hours late is not yet a missed one.
DAILY_MAX_AGE_H = 26
MEDIA_MAX_AGE_H = 8 * 24


def newest_snapshot_is_recent(docker_node, repo: Repository, tag: str, max_age_h: float) -> None:
    snapshots = Restic(docker_node).snapshots(repo, tag)
    expect_that(bool(snapshots), f"the {repo.name} repository holds no {tag} snapshot",
                observed=[], expected=f"a {tag} snapshot younger than {max_age_h:.0f} h")  # fmt: skip
    newest = snapshots[-1]
    age = newest.age_hours(datetime.now(UTC))
    expect_that(age <= max_age_h,
                f"the newest {tag} snapshot of the {repo.name} repository is {age:.1f} h old",
                observed=f"snapshot {newest.short} of {newest.time:%Y-%m-%d %H:%M} UTC ({age:.1f} h)",
                expected=f"younger than {max_age_h:.0f} h")  # fmt: skip


def last_run_exited_0(service, kind: str, repo: Repository, max_age_h: float) -> None:
    run = last_run(service("prometheus"), kind, repo.name)
    expect_that(run is not None, f"Prometheus has no report of the {kind} job on the {repo.name} repository",
                observed="no orion_backup_last_exit_code series",
                expected=f'orion_backup_last_exit_code{{kind="{kind}",repository="{repo.name}"}}')  # fmt: skip
    assert run is not None
    expect_that(run.exit_code == 0,
                f"the last {kind} job on the {repo.name} repository exited {run.exit_code} "
                f"({explain_exit(run.exit_code)})",
                observed=run.exit_code, expected=0)  # fmt: skip
    age = run.success_age_hours(time())
    expect_that(age is not None and age <= max_age_h,
                f"the {kind} job's last success on the {repo.name} repository is not recent",
                observed="never" if age is None else f"{age:.1f} h ago",
                expected=f"within {max_age_h:.0f} h")  # fmt: skip


@pytest.mark.req("BACKUP-01")
@pytest.mark.daily
def test_the_daily_set_has_a_recent_snapshot_on_the_hdd(docker_node):
    newest_snapshot_is_recent(docker_node, LOCAL, "daily", DAILY_MAX_AGE_H)


@pytest.mark.req("BACKUP-01")
@pytest.mark.daily
def test_the_daily_job_last_exited_0(service):
    last_run_exited_0(service, "daily", LOCAL, DAILY_MAX_AGE_H)


@pytest.mark.req("BACKUP-02")
@pytest.mark.weekly
def test_the_media_set_has_a_recent_snapshot_on_the_hdd(docker_node):
    newest_snapshot_is_recent(docker_node, LOCAL, "media", MEDIA_MAX_AGE_H)


@pytest.mark.req("BACKUP-02")
@pytest.mark.weekly
def test_the_media_job_last_exited_0(service):
    last_run_exited_0(service, "media", LOCAL, MEDIA_MAX_AGE_H)


@pytest.mark.req("BACKUP-03")
@pytest.mark.daily
def test_the_daily_set_has_a_recent_snapshot_offsite(docker_node):
    newest_snapshot_is_recent(docker_node, OFFSITE, "daily", DAILY_MAX_AGE_H)


@pytest.mark.req("BACKUP-03")
@pytest.mark.daily
def test_the_offsite_job_last_exited_0(service):
    last_run_exited_0(service, "daily", OFFSITE, DAILY_MAX_AGE_H)
