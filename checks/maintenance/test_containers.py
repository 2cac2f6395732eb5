"""MAINT-04, live: every container of the node runs, is healthy, and comes back by itself."""

import pytest

from orion.expect import expect_none, expect_that

pytestmark = [pytest.mark.req("MAINT-04"), pytest.mark.critical, pytest.mark.live]
RESTARTS = ("always", "unless-stopped", "on-failure")


def test_every_container_of_the_node_is_up_and_healthy(docker_node):
    containers = docker_node.containers()
    down = {
        name: c.status if c.status != "running" else "unhealthy"
        for name, c in containers.items()
        if c.status != "running" or c.attrs["State"].get("Health", {}).get("Status") == "unhealthy"
    }
    expect_that(bool(containers), "the node runs no container of its stack", observed={}, expected="its containers")
    expect_none(down, "containers are down")


def test_every_container_restarts_by_itself(docker_node):
    policies = {name: c.attrs["HostConfig"]["RestartPolicy"]["Name"] for name, c in docker_node.containers().items()}
    manual = {name: policy or "no" for name, policy in policies.items() if policy not in RESTARTS}
    expect_none(manual, "containers that Docker will not restart")
