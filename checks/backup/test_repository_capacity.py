"""BACKUP-03, live: the disk of the local repository (on the HDD) has room for the next snapshots.

A repository that fills its disk stops every backup at once; before that, the retention policy (forget --prune)
can free what no snapshot keeps. Measured where the job writes: `df` of /repo in the restic container.
"""

import pytest

from orion.expect import expect_that
from orion.outcomes import CannotObserve

pytestmark = [pytest.mark.req("BACKUP-03"), pytest.mark.live, pytest.mark.daily]
#: Above this share of the disk used, the next media run may not fit.
MAX_USED_PCT = 90


def test_the_hdd_repository_has_room_for_the_next_backups(docker_node):
    rc, text = docker_node.exec("restic", "df -P /repo")
    rows = [line.split() for line in text.splitlines()[1:] if line.strip()]
    if rc or not rows or len(rows[-1]) < 5 or not rows[-1][4].rstrip("%").isdigit():
        raise CannotObserve(f"restic container: `df -P /repo` answered {text.strip()[:200]!r} (exit {rc})")
    used = int(rows[-1][4].rstrip("%"))
    expect_that(used < MAX_USED_PCT, f"the local repository's disk is {used}% full",
                observed=f"{used}% of {int(rows[-1][1]) // 1024} MiB used",
                expected=f"below {MAX_USED_PCT}%")  # fmt: skip
