"""BACKUP-01..07, MAINT-02, static: the restic job the stack deploys backs up what the requirements name, on
schedules that meet their periods, keeps snapshots by a retention policy, opens each repository with a password
given as a secret, and has an offsite repository configured.

What the live checks compare the snapshots with is this same configuration: stacks/synapse/restic/backup.conf
(sources, retention, canary set, check subset) and the restic service of stacks/synapse/compose.yml (schedules,
secrets, the offsite repository, the mounts of the sources).
"""

import re

import pytest

from orion.expect import expect_none, expect_that
from orion.probes.backup_config import BackupConfig
from orion.probes.desired import role_defaults

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.on("synapse")]
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?(,\d+(-\d+)?)*)(/\d+)?$")
SUBSET = re.compile(r"^(\d+(\.\d+)?%|\d+[KMGT]?|\d+/\d+)$")


def cron(stack, variable: str) -> tuple[list[str], str]:
    restic = stack.service("restic")
    value = restic.environment.get(variable, "")
    fields = value.split()
    expect_that(len(fields) == 5 and all(CRON_FIELD.match(f) for f in fields),
                f"{variable} is not a 5-field cron schedule", observed=value, expected="e.g. 30 3 * * *",
                where=restic.where("environment", variable))  # fmt: skip
    return fields, restic.where("environment", variable)


def secret_file(stack, variable: str) -> str:
    """The secret a *_PASSWORD_FILE variable names (/run/secrets/NAME), checked to be the service's and a file."""
    restic = stack.service("restic")
    value = restic.environment.get(variable, "")
    where = restic.where("environment", variable)
    expect_that(value.startswith("/run/secrets/"), f"{variable} is not a compose secret",
                observed=value or "unset", expected="/run/secrets/NAME", where=where)  # fmt: skip
    name = value.removeprefix("/run/secrets/")
    listed = [s if isinstance(s, str) else s.get("source") for s in restic.get("secrets") or []]
    expect_that(name in listed, f"the restic service does not receive the secret {name}",
                observed=listed, expected=f"{name} under secrets:", where=restic.where("secrets"))  # fmt: skip
    declared = (stack.doc.data.get("secrets") or {}).get(name) or {}
    expect_that("file" in declared, f"the secret {name} is not declared as a file",
                observed=declared, expected={"file": f"./secrets/{name}"}, where=stack.where("secrets"))  # fmt: skip
    return name


@pytest.mark.req("BACKUP-01")
def test_the_daily_job_runs_every_day(stack):
    fields, where = cron(stack, "BACKUP_DAILY_CRON")
    expect_that(fields[2:] == ["*", "*", "*"], "the daily backup does not run every day",
                observed=" ".join(fields), expected="minute hour * * *", where=where)  # fmt: skip


@pytest.mark.req("BACKUP-01", "BACKUP-04", "BACKUP-05")
def test_the_daily_set_names_every_required_source(stack):
    config = BackupConfig.load()
    wanted = {
        "SOURCES_SYSTEM": ["etc/cortex", "etc/synapse", "orion-repo"],
        "SOURCES_VOLUMES": ["hdd/appdata", "hdd/backups/volumes"],
        "SOURCES_DOCUMENTS": ["hdd/docs", "hdd/photos"],
    }
    missing = [f"{key}: {path} ({config.where(key)})" for key, paths in wanted.items() for path in paths
               if path not in config.words(key)]  # fmt: skip
    expect_none(missing, "backup.conf's daily set lacks required sources")


@pytest.mark.req("BACKUP-04")
def test_the_restic_service_mounts_the_system_config_sources(stack):
    restic = stack.service("restic")
    targets = {str(v).split(":")[1] for v in restic.volumes if isinstance(v, str) and v.count(":") >= 1}
    wanted = ["/source/etc/cortex", "/source/etc/synapse", "/source/orion-repo", "/source/hdd"]
    expect_none([t for t in wanted if t not in targets], "the restic service does not mount these sources",
                where=restic.where("volumes"))  # fmt: skip


@pytest.mark.req("BACKUP-04")
def test_cortex_mirrors_its_etc_where_the_job_reads_it(stack):
    """Cortex's /etc reaches synapse's job through the HDD: provisioning mirrors it into the folder the job mounts."""
    restic = stack.service("restic")
    mounted = next((str(v).split(":")[0] for v in restic.volumes
                    if isinstance(v, str) and str(v).split(":")[1:2] == ["/source/etc/cortex"]), "")  # fmt: skip
    mirror = str(role_defaults("maintenance").get("maintenance_etc_mirror_dir") or "")
    under_hdd = mirror.partition("}}")[2] or mirror
    expect_that(bool(under_hdd) and mounted.endswith(under_hdd),
                "the restic job does not mount the folder where cortex mirrors its /etc", observed=mounted or "unset",
                expected=f"...{under_hdd or '/backups/etc/cortex'} (maintenance_etc_mirror_dir: {mirror or 'unset'})",
                where=restic.where("volumes"))  # fmt: skip


@pytest.mark.req("BACKUP-05")
def test_each_critical_volume_is_archived_before_the_backup(stack):
    config = BackupConfig.load()
    archiver = stack.service("volume-backup")
    archived = {str(v).split(":")[1].removeprefix("/backup/") for v in archiver.volumes
                if isinstance(v, str) and ":/backup/" in v}  # fmt: skip
    missing = [v for v in config.words("CRITICAL_VOLUMES") if v not in archived]
    expect_none(missing, f"CRITICAL_VOLUMES ({config.where('CRITICAL_VOLUMES')}) that volume-backup does not archive",
                where=archiver.where("volumes"))  # fmt: skip


@pytest.mark.req("BACKUP-02")
def test_the_media_job_runs_at_least_weekly(stack):
    fields, where = cron(stack, "BACKUP_MEDIA_CRON")
    expect_that(fields[2] == "*" and fields[3] == "*", "the media backup does not run every week",
                observed=" ".join(fields), expected="minute hour * * weekday(s)", where=where)  # fmt: skip


@pytest.mark.req("BACKUP-01", "BACKUP-02")
def test_each_set_has_a_retention_policy(stack):
    config = BackupConfig.load()
    keys = ["DAILY_KEEP_DAILY", "DAILY_KEEP_WEEKLY", "DAILY_KEEP_MONTHLY", "MEDIA_KEEP_WEEKLY", "MEDIA_KEEP_MONTHLY"]
    bad = [f"{key} ({config.where(key)})" for key in keys if key not in config.values or config.number(key) < 1]
    expect_none(bad, "backup.conf keeps no snapshot for these retention rules")
    expect_that(config.number("DAILY_KEEP_DAILY") >= 7, "the daily set keeps less than a week of daily snapshots",
                observed=config.number("DAILY_KEEP_DAILY"), expected=">= 7",
                where=config.where("DAILY_KEEP_DAILY"))  # fmt: skip


@pytest.mark.req("BACKUP-03")
def test_each_repository_opens_with_its_own_secret_password(stack):
    local = secret_file(stack, "RESTIC_PASSWORD_FILE")
    offsite = secret_file(stack, "RESTIC_OFFSITE_PASSWORD_FILE")
    expect_that(local != offsite, "the offsite repository shares the local repository's password",
                observed=offsite, expected=f"a secret other than {local}",
                where=stack.service("restic").where("environment", "RESTIC_OFFSITE_PASSWORD_FILE"))  # fmt: skip


@pytest.mark.req("BACKUP-03")
def test_an_offsite_repository_is_configured(stack):
    restic = stack.service("restic")
    value = restic.environment.get("RESTIC_OFFSITE_REPOSITORY", "")
    expect_that(bool(re.match(r"^(sftp|b2|s3|rest|azure|gs|rclone|swift):", value)),
                "no offsite restic repository is configured", observed=value or "empty",
                expected="a remote restic backend (sftp:, b2:, s3:, rest: …)",
                where=[restic.where("environment", "RESTIC_OFFSITE_REPOSITORY"), ".env.example"])  # fmt: skip


@pytest.mark.req("BACKUP-06", "BACKUP-07", "MAINT-02")
def test_the_verification_runs_monthly_on_a_canary_set(stack):
    config = BackupConfig.load()
    fields, where = cron(stack, "BACKUP_CHECK_CRON")
    expect_that(fields[3] == "*", "the backups' verification does not run every month",
                observed=" ".join(fields), expected="minute hour day * *", where=where)  # fmt: skip
    daily = config.words("SOURCES_SYSTEM") + config.words("SOURCES_VOLUMES") + config.words("SOURCES_DOCUMENTS")
    canary = config.words("CANARY")
    outside = [c for c in canary if not any(c == s or c.startswith(f"{s}/") for s in daily)]
    expect_that(bool(canary) and not outside, "the canary set is empty or outside the daily set",
                observed=canary, expected="paths under the daily sources", where=config.where("CANARY"))  # fmt: skip
    subset = config.get("CHECK_SUBSET")
    expect_that(bool(SUBSET.match(subset)), "CHECK_SUBSET is not a subset restic check reads",
                observed=subset, expected="5%, 500M or n/t", where=config.where("CHECK_SUBSET"))  # fmt: skip
