"""MON-05, live: Prometheus holds fresh CPU, memory, disk and network series (cAdvisor's names) for every running
container of the node. Each container is asked of the node's Docker engine, each series of Prometheus: a container
that cAdvisor does not see, or a family that Prometheus drops, is caught. (The lab exports the Docker engine's own
per-container stats under cAdvisor's names: cAdvisor is not packaged in Debian.) A container on the host's network
(or none) has no network series of its own, as with cAdvisor: its traffic is the node's."""

from datetime import UTC, datetime

import pytest

from orion.expect import expect_none
from orion.probes.prometheus import query

pytestmark = [pytest.mark.req("MON-05"), pytest.mark.critical, pytest.mark.live]

FAMILIES = {
    "cpu": "container_cpu_usage_seconds_total",
    "memory": "container_memory_working_set_bytes",
    "disk": "container_fs_usage_bytes",
    "network": "container_network_receive_bytes_total",
}
#: Network modes without a network of the container's own: its traffic is the host's (node_exporter's), or none.
NO_OWN_NETWORK = ("host", "none")
#: A container younger than this may not have been scraped yet (cAdvisor's housekeeping plus a scrape interval).
SETTLE_S = 90


def _settled(container) -> bool:
    started = str(container.attrs.get("State", {}).get("StartedAt", ""))[:26].rstrip("Z")
    try:
        age = datetime.now(UTC) - datetime.fromisoformat(started).replace(tzinfo=UTC)
    except ValueError:
        return True
    return age.total_seconds() > SETTLE_S


def test_every_running_container_has_cpu_memory_disk_and_network_series(docker_node, service):
    prometheus, project = service("prometheus"), docker_node.endpoint.project
    containers = list(docker_node.containers().values())
    running = sorted(c.name for c in containers if c.status == "running" and _settled(c))
    selector = f'{{container_label_com_docker_compose_project="{project}"}}'
    held = {kind: {s["metric"].get("name", "") for s in query(prometheus, f"{metric}{selector}")}
            for kind, metric in FAMILIES.items()}  # fmt: skip
    shared = {c.name for c in containers
              if c.attrs.get("HostConfig", {}).get("NetworkMode") in NO_OWN_NETWORK}  # fmt: skip
    missing = {name: sorted(k for k, names in held.items() if name not in names
                            and not (k == "network" and name in shared)) for name in running}  # fmt: skip
    expect_none({n: f"no {', '.join(kinds)} series" for n, kinds in missing.items() if kinds},
                f"running containers of {project} without their series in Prometheus")  # fmt: skip
