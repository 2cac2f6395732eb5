"""SEC-05: every container has a memory limit and no-new-privileges and keeps its seccomp profile; the node's
limits fit in 80 % of its RAM; elevated access (privileged, added capabilities, host namespaces, devices, the
Docker socket) only where justified, below.

The memory budget lives here rather than under INFRA: it is the "resource limits" half of SEC-05."""

import pytest

from orion.expect import At, expect_none, expect_that
from orion.probes.composespec import memory_limit, mounts

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("SEC-05")]

#: The one place that grants elevated access, each grant with its reason: (node, service) → why.
PRIVILEGED: dict[tuple[str, str], str] = {}
DOCKER_SOCKET: dict[tuple[str, str], str] = {
    ("cortex", "cadvisor"): "reads container metadata from the Docker API (mounts /var/run, which holds the socket)",
    ("cortex", "alloy"): "discovers the containers and reads their logs",
    ("synapse", "cadvisor"): "reads container metadata from the Docker API (mounts /var/run, which holds the socket)",
    ("synapse", "alloy"): "discovers the containers and reads their logs",
    ("synapse", "volume-backup"): "stops and restarts the labelled containers around the nightly volume copy",
    ("synapse", "orion"): "reads container state for its checks",
}
#: Capabilities, host namespaces and devices beyond Docker's defaults: (node, service, grant) → why.
ELEVATED: dict[tuple[str, str, str], str] = {
    ("cortex", "caddy", "cap_add NET_BIND_SERVICE"): "binds 80 and 443 without running as root",
    ("cortex", "gluetun", "cap_add NET_ADMIN"): "builds the WireGuard interface, its routes and the killswitch",
    ("cortex", "gluetun", "device /dev/net/tun"): "the tunnel's TUN device",
    **{(node, "node-exporter", grant): "reads the host's own network and processes, not the container's"
       for node in ("cortex", "synapse") for grant in ("network_mode host", "pid host")},
    **{(node, "cadvisor", "device /dev/kmsg"): "reads OOM kills from the kernel log" for node in ("cortex", "synapse")},
}  # fmt: skip
HOST_NAMESPACES = ("network_mode", "pid", "ipc", "uts", "userns_mode")
GiB = 1024**3
RAM = {"cortex": 16 * GiB, "synapse": 8 * GiB}
BUDGET = 0.80
NO_NEW_PRIVILEGES = ("no-new-privileges:true", "no-new-privileges=true", "no-new-privileges")
UNCONFINED = ("seccomp:unconfined", "seccomp=unconfined", "apparmor:unconfined", "apparmor=unconfined")


def test_every_service_has_a_memory_limit(stack):
    unlimited = [At(s.name, s.where()) for s in stack.services.values() if memory_limit(s) is None]
    expect_none(unlimited, "no mem_limit (or deploy.resources.limits.memory)")


def test_every_service_sets_no_new_privileges(stack):
    missing = [At(s.name, s.where("security_opt")) for s in stack.services.values()
               if not any(opt.replace(" ", "") in NO_NEW_PRIVILEGES for opt in s.security_opt)]  # fmt: skip
    expect_none(missing, "no security_opt no-new-privileges:true")


def test_no_service_drops_its_seccomp_or_apparmor_profile(stack):
    unconfined = [At(s.name, s.where("security_opt")) for s in stack.services.values()
                  if any(opt.replace(" ", "") in UNCONFINED for opt in s.security_opt)]  # fmt: skip
    expect_none(unconfined, "running unconfined (seccomp or AppArmor off)")


def test_only_justified_services_are_privileged(stack):
    unjustified = [At(s.name, s.where("privileged")) for s in stack.services.values()
                   if s.get("privileged") is True and (stack.node, s.name) not in PRIVILEGED]  # fmt: skip
    expect_none(unjustified, "privileged without a justification in SEC-05's PRIVILEGED")


def test_added_capabilities_host_namespaces_and_devices_are_justified(stack):
    unjustified = [At(f"{s.name}: {grant}", s.where(key)) for s in stack.services.values()
                   for key, grant in elevated(s) if (stack.node, s.name, grant) not in ELEVATED]  # fmt: skip
    expect_none(unjustified, "elevated access without a justification in SEC-05's ELEVATED")


def elevated(service) -> list[tuple[str, str]]:
    """(compose key, grant) for each capability added, host namespace shared and device passed to `service`."""
    grants = [("cap_add", f"cap_add {str(cap).upper().removeprefix('CAP_')}") for cap in service.cap_add]
    grants += [("devices", f"device {_device(d)}") for d in service.devices]
    return grants + [(key, f"{key} host") for key in HOST_NAMESPACES if service.get(key) == "host"]


def _device(device: object) -> str:
    """The host side of a device mapping, short (`/dev/net/tun:/dev/net/tun`) or long (`{source: …}`) syntax."""
    if isinstance(device, dict):
        return str(device.get("source") or device.get("host_path") or device)
    return str(device).split(":")[0]


def test_only_justified_services_reach_the_docker_socket(stack):
    unjustified = [At(f"{s.name} mounts {m.source}", m.where) for s in stack.services.values() for m in mounts(s)
                   if m.exposes_docker_socket and (stack.node, s.name) not in DOCKER_SOCKET]  # fmt: skip
    expect_none(unjustified, "the Docker socket without a justification in SEC-05's DOCKER_SOCKET")


def test_the_docker_socket_is_mounted_read_only(stack):
    writable = [At(f"{s.name} mounts {m.source}", m.where) for s in stack.services.values() for m in mounts(s)
                if m.exposes_docker_socket and not m.read_only]  # fmt: skip
    expect_none(writable, "the Docker socket mounted writable (add :ro)")


def test_memory_limits_fit_in_80_percent_of_the_ram(stack):
    sized = sorted(((lw[0], s.name, lw[1]) for s in stack.services.values() if (lw := memory_limit(s))), reverse=True)
    total, budget = sum(size for size, _, _ in sized), int(RAM[stack.node] * BUDGET)
    largest = ", ".join(f"{name} {size // 2**20} MiB" for size, name, _ in sized[:3])
    expect_that(total <= budget,
                f"the {stack.node} stack's memory limits add up to {total / GiB:.2f} GiB, over 80 % of its "
                f"{RAM[stack.node] // GiB} GiB ({budget / GiB:.2f} GiB); largest: {largest}",
                observed=total, expected=f"<= {budget}", where=[where for _, _, where in sized[:3]])  # fmt: skip
