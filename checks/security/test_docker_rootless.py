"""SEC-04: Docker runs rootless where provisioning/ decided it can; where it decided it cannot (the documented
exception, provisioning/README.md), only the documented accounts may drive the root daemon."""

import pytest

from orion.expect import expect, expect_contains
from orion.probes import desired

pytestmark = [pytest.mark.req("SEC-04"), pytest.mark.daily, pytest.mark.live]


def test_docker_is_rootless_where_the_decision_says_so(processes, node):
    decision = desired.docker_decision(node)
    if not decision["rootless"]:
        pytest.skip(f"{node.node} runs rootful Docker by decision: {decision['reason']}")
    expect_contains(processes, "rootlesskit", "the rootless Docker daemon is not running")


def test_only_the_documented_accounts_can_drive_the_root_docker_daemon(docker_group, node):
    allowed = desired.docker_group_members(node)
    extra = sorted(set(docker_group or []) - set(allowed))
    expect(extra, [], "accounts outside the documented list are in the docker group (root-equivalent)")
