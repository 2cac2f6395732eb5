"""Host facts as fixtures: a check names the fact it reads (`def test_x(sshd_config)`), and gets it parsed.

One fixture per fact of orion.probes.facts (where each command and parser lives, with its documentation); a unit
test keeps the two lists equal. Before the first fact of a host is read, the host knows every fact the selected
checks need, so the SSH probe gathers them all in one round trip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from orion.markers import is_check
from orion.plugin.run import run_of
from orion.probes.facts import FACTS, Listener
from orion.probes.ssh import RemoteHost

if TYPE_CHECKING:
    from orion.probes.smart import SmartReport


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell each host which facts the selected checks will read, so they are gathered in one trip."""
    probes = run_of(session.config).probes
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        spec = callspec.params.get("node") if callspec else None
        if spec is not None and is_check(item):
            wanted = {name for name in getattr(item, "fixturenames", ()) if name in FACTS}
            probes.remote(spec).pending.update(wanted)


# --- the system ---------------------------------------------------------------------------------------


@pytest.fixture
def os_release(host: RemoteHost) -> dict[str, str]:
    """`cat /etc/os-release`: {"ID": "debian", "VERSION_CODENAME": "bookworm", …}."""
    return host.fact("os_release")


@pytest.fixture
def kernel(host: RemoteHost) -> str:
    """`uname -r`."""
    return host.fact("kernel")


@pytest.fixture
def meminfo(host: RemoteHost) -> dict[str, int]:
    """`cat /proc/meminfo`, in kB."""
    return host.fact("meminfo")


@pytest.fixture
def processes(host: RemoteHost) -> set[str]:
    """`ps -e -o comm=`: names of the running processes."""
    return host.fact("processes")


# --- storage ------------------------------------------------------------------------------------------


@pytest.fixture
def mounts(host: RemoteHost) -> dict[str, dict[str, str]]:
    """`findmnt`: mounted filesystems by target, with source, fstype and options."""
    return host.fact("mounts")


@pytest.fixture
def fstab(host: RemoteHost) -> dict[str, dict[str, Any]]:
    """`cat /etc/fstab`: entries by mount point."""
    return host.fact("fstab")


@pytest.fixture
def disk_usage(host: RemoteHost) -> dict[str, dict[str, int]]:
    """`df -P -B1`: size, used and available bytes per mount point."""
    return host.fact("disk_usage")


@pytest.fixture
def exports(host: RemoteHost) -> dict[str, list[str]]:
    """`exportfs -v`: NFS exports in force, with their clients."""
    return host.fact("exports")


@pytest.fixture
def smartd_conf(host: RemoteHost) -> list[str]:
    """`cat /etc/smartd.conf`: its directives."""
    return host.fact("smartd_conf")


@pytest.fixture
def smartd_watched(host: RemoteHost) -> dict[str, set[str]]:
    """`smartd -q showtests`: the disks smartd registers, with their scheduled self-test types."""
    return host.fact("smartd_watched")


@pytest.fixture
def smart(host: RemoteHost) -> SmartReport:
    """`smartctl -j -a -d sat` on the disk behind /mnt/hdd."""
    return host.fact("smart")


# --- security -----------------------------------------------------------------------------------------


@pytest.fixture
def sshd_config(host: RemoteHost) -> dict[str, str]:
    """`sshd -T`: sshd's effective settings, keys in lower case."""
    return host.fact("sshd_config")


@pytest.fixture
def sshd_contexts(host: RemoteHost) -> dict[str, dict[str, str]]:
    """`sshd -T -C …`: sshd's effective settings per kind of connection, Match blocks applied."""
    return host.fact("sshd_contexts")


@pytest.fixture
def listening(host: RemoteHost) -> set[tuple[str, str, int]]:
    """`ss -H -tuln`: listening sockets as (proto, address, port)."""
    return host.fact("listening")


@pytest.fixture
def listeners(host: RemoteHost) -> set[Listener]:
    """`ss -H -tulnp`: listening sockets with their process."""
    return host.fact("listeners")


@pytest.fixture
def ufw_status(host: RemoteHost) -> dict[str, Any]:
    """`ufw status verbose`: active, default policies, rules."""
    return host.fact("ufw_status")


@pytest.fixture
def input_chain(host: RemoteHost) -> dict[str, Any]:
    """`iptables -S INPUT`: the kernel's INPUT policy and jumps."""
    return host.fact("input_chain")


@pytest.fixture
def fail2ban_sshd(host: RemoteHost) -> dict[str, Any] | None:
    """`fail2ban-client status sshd`: the jail, or None when fail2ban is not running."""
    return host.fact("fail2ban_sshd")


@pytest.fixture
def tailscale(host: RemoteHost) -> dict[str, Any] | None:
    """`tailscale status --json`, or None when absent or down."""
    return host.fact("tailscale")


@pytest.fixture
def docker_group(host: RemoteHost) -> list[str] | None:
    """`getent group docker`: its members, or None when there is no such group."""
    return host.fact("docker_group")


# --- maintenance --------------------------------------------------------------------------------------


@pytest.fixture
def etc_is_git(host: RemoteHost) -> bool:
    """Whether /etc is a git repository (etckeeper)."""
    return host.fact("etc_is_git")


@pytest.fixture
def etc_uncommitted(host: RemoteHost) -> list[str]:
    """`git -C /etc status --porcelain`: changes etckeeper has not committed."""
    return host.fact("etc_uncommitted")


@pytest.fixture
def logrotate(host: RemoteHost) -> str:
    """`logrotate -d`: "ok", "missing" or "invalid configuration"."""
    return host.fact("logrotate")


@pytest.fixture
def journald_conf(host: RemoteHost) -> dict[str, str]:
    """journald's [Journal] settings, drop-ins included."""
    return host.fact("journald_conf")
