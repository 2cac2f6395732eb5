"""BACKUP-07, live (weekly): each repository passes `restic check --read-data-subset`: its structure (index,
packs' sizes, trees, snapshots) and a subset of its pack files read back and hashed.

The subset is the restic container's BACKUP_CHECK_SUBSET, else backup.conf's CHECK_SUBSET (a percentage or a
size). A truncated pack shows in the structural pass, so it runs first (restic would otherwise retry reading
the short pack for a minute); a pack whose bytes changed shows when it is read. A damaged repository names
itself and each pack restic reports.
"""

import re

import pytest

from orion.expect import expect_none, expect_that
from orion.probes.backup_config import BackupConfig
from orion.probes.restic import LOCAL, OFFSITE, Repository, Restic, check_damage, raise_for

pytestmark = [pytest.mark.req("BACKUP-07"), pytest.mark.live, pytest.mark.weekly]
SUBSET = re.compile(r"\d+(\.\d+)?%|\d+[KMGT]?|\d+/\d+")


@pytest.mark.parametrize("repo", [LOCAL, OFFSITE], ids=lambda r: r.name)
def test_the_repository_is_intact_when_read_back(docker_node, repo: Repository):
    config = BackupConfig.load()
    subset = config.get("CHECK_SUBSET")
    expect_that(bool(SUBSET.fullmatch(subset)), "CHECK_SUBSET is not a subset restic reads",
                observed=subset, expected="a percentage (5%), a size (500M) or n/t",
                where=config.where("CHECK_SUBSET"))  # fmt: skip
    restic = Restic(docker_node)
    structure = restic.run(repo, ["check"])
    damage = check_damage(structure.stderr + structure.stdout)
    if structure.unusable or (not structure.ok and not damage):
        raise_for(structure, "restic container")
    if structure.ok:
        read = restic.run(repo, ["check"], raw=f'--read-data-subset="${{BACKUP_CHECK_SUBSET:-{subset}}}"')
        damage = check_damage(read.stderr + read.stdout)
        if read.unusable or (not read.ok and not damage):
            raise_for(read, "restic container")
    shown = [f"pack {d.pack[:12]}: {d.line}" if d.pack else d.line for d in damage]
    expect_none(shown, f"restic check finds the {repo.name} repository damaged")
