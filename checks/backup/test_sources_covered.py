"""BACKUP-04/05, live: the newest daily snapshot on the HDD covers every source the stack configures.

The sources are stacks/synapse/restic/backup.conf's, the desired state: BACKUP-04 the system configs (/etc of
both Pis as etckeeper holds it, this repository with provisioning/ and stacks/, and each stack's `.env`),
BACKUP-05 the app databases and each critical Docker volume's archive. The snapshot's own `paths` (what the job
passed to restic) must hold each source; a source dropped from the job's deployed configuration turns it red at
the next run. The `.env` files and the volume archives are looked for inside the snapshot (`restic ls`).
"""

import pytest

from orion.expect import expect_none, expect_that
from orion.probes.backup_config import SOURCE_ROOT, BackupConfig, stacks_with_compose
from orion.probes.restic import LOCAL, Restic, Snapshot

pytestmark = [pytest.mark.live, pytest.mark.daily, pytest.mark.on("synapse")]


def newest_daily(restic: Restic) -> Snapshot:
    snapshots = restic.snapshots(LOCAL, "daily")
    expect_that(bool(snapshots), "the local repository holds no daily snapshot", observed=[], expected="one")
    return snapshots[-1]


def missing_sources(snapshot: Snapshot, config: BackupConfig, key: str) -> dict[str, str]:
    return {
        path: f"not among snapshot {snapshot.short}'s paths ({config.where(key)})"
        for path in config.sources(key)
        if path not in snapshot.paths
    }


@pytest.mark.req("BACKUP-04")
def test_the_newest_snapshot_holds_the_system_configs(docker_node):
    config = BackupConfig.load()
    snapshot = newest_daily(Restic(docker_node))
    expect_none(missing_sources(snapshot, config, "SOURCES_SYSTEM"), "the daily snapshot lacks system configs")


@pytest.mark.req("BACKUP-04")
def test_the_newest_snapshot_holds_each_stacks_env_file(docker_node):
    restic = Restic(docker_node)
    snapshot = newest_daily(restic)
    stacks = f"{SOURCE_ROOT}/orion-repo/stacks"
    files = set(restic.files(LOCAL, snapshot.id, *(f"{stacks}/{name}" for name in stacks_with_compose())))
    missing = [f"{stacks}/{name}/.env" for name in stacks_with_compose() if f"{stacks}/{name}/.env" not in files]
    expect_none(missing, f"the daily snapshot {snapshot.short} lacks .env files")


@pytest.mark.req("BACKUP-05")
def test_the_newest_snapshot_holds_the_databases_and_volume_archives(docker_node):
    config = BackupConfig.load()
    snapshot = newest_daily(Restic(docker_node))
    expect_none(missing_sources(snapshot, config, "SOURCES_VOLUMES"), "the daily snapshot lacks app data")


@pytest.mark.req("BACKUP-05")
def test_the_newest_snapshot_holds_each_critical_volume_archive(docker_node):
    config = BackupConfig.load()
    restic = Restic(docker_node)
    snapshot = newest_daily(restic)
    archives = f"{SOURCE_ROOT}/hdd/backups/volumes"
    names = [path.rsplit("/", 1)[-1] for path in restic.files(LOCAL, snapshot.id, archives)]
    where = config.where("CRITICAL_VOLUMES")
    missing = {
        volume: f"no {volume}-*.tar.gz under {archives} in snapshot {snapshot.short} ({where})"
        for volume in config.words("CRITICAL_VOLUMES")
        if not any(n.startswith(f"{volume}-") and n.endswith(".tar.gz") for n in names)
    }
    expect_none(missing, "the daily snapshot lacks critical volume archives")
