"""Every unattended `orion check` runs its selection against the lab and ends in a result (0, 1 or 3), never in a
usage error: the role's systemd timers and the synapse runner, each with the exact arguments its file deploys
(the lab's inventory instead of /etc/orion's)."""

from __future__ import annotations

import pytest
from labkit import orion

from orion import schedules

SCHEDULES = schedules.load()


@pytest.mark.parametrize("schedule", SCHEDULES, ids=[s.name for s in SCHEDULES])
def test_each_schedule_runs_its_selection_against_the_lab(lab, tmp_path, schedule):
    result = orion("check", *schedule.args, "--state-dir", str(tmp_path), timeout=900)
    output = result.stdout[-2000:] + result.stderr[-2000:]
    assert result.returncode in (0, 1, 3), f"{schedule.source}: `orion check {' '.join(schedule.args)}`:\n{output}"
    assert "Traceback" not in output
