"""The lab, shared by every test file here: brought up once per session, brought down at its end.

Helpers live in labkit.py and are re-exported here, so a test file may `from labkit import ...` (or `conftest`).
The tests that provision again, look at everything and bring the lab down run last, whatever the file order
(see LAST).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labkit import LIVE, SETTLE_S, checks, orion, outcomes, red, until, until_all, unwell

__all__ = ["LIVE", "SETTLE_S", "checks", "lab", "orion", "outcomes", "red", "until", "until_all", "unwell"]

#: Run after every other test of the session, in this order: provisioning again changes nothing (so every heal and
#: remediation left the hosts as Ansible wants them; and it runs once the unit tests beside the lab are done, at
#: about half the time), the lab is wholly green again after whatever the files here broke and healed, then it is
#: taken down.
LAST = (
    "test_provisioning_again_changes_nothing",
    "test_the_lab_is_green_again_after_all_faults",
    "test_down_leaves_no_container_network_volume_mount_or_process_behind",
)


@pytest.fixture(scope="session")
def lab() -> Iterator[None]:
    up = orion("lab", "up")
    assert up.returncode == 0, f"orion lab up failed:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
    print(up.stdout[-1500:])
    yield
    orion("lab", "down")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def name(item: pytest.Item) -> str:
        return getattr(item, "originalname", item.name)

    last = sorted((item for item in items if name(item) in LAST), key=lambda item: LAST.index(name(item)))
    items[:] = [item for item in items if item not in last] + last
