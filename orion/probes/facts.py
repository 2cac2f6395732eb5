"""Host facts: named commands whose output checks read as data.

A check asks for a fact by naming it as a fixture argument (`def test_x(sshd_config)`). Before the
first fact of a host is read, the plugin already knows every fact that the selected checks need on
that host, so the SSH probe gathers them all in one round trip, as Ansible's fact gathering does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Raw:
    """What a command returned on a host."""

    command: str
    rc: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Fact:
    name: str
    command: str
    parse: Callable[[str], Any]
    sudo: bool = False
    ok: tuple[int, ...] = (0,)


FACTS: dict[str, Fact] = {}


def fact(command: str, *, sudo: bool = False, ok: tuple[int, ...] = (0,)) -> Callable[[Callable], Callable]:
    """Register the decorated parser as the fact of its name, read from `command`."""

    def register(parse: Callable[[str], Any]) -> Callable[[str], Any]:
        FACTS[parse.__name__] = Fact(parse.__name__, command, parse, sudo, ok)
        return parse

    return register


@fact("sshd -T", sudo=True)
def sshd_config(stdout: str) -> dict[str, str]:
    """sshd's effective settings, keys in lower case; a repeated key (port, listenaddress) joins its values."""
    settings: dict[str, str] = {}
    for line in stdout.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            settings[key] = f"{settings[key]} {value}" if key in settings else value
    return settings


@fact("cat /etc/os-release")
def os_release(stdout: str) -> dict[str, str]:
    """/etc/os-release as a mapping (ID, VERSION_CODENAME, PRETTY_NAME…)."""
    pairs = (line.partition("=") for line in stdout.splitlines() if "=" in line)
    return {key: value.strip().strip('"') for key, _, value in pairs}


@fact("uname -r")
def kernel(stdout: str) -> str:
    return stdout.strip()


@fact("findmnt -J -l -o TARGET,SOURCE,FSTYPE,OPTIONS")
def mounts(stdout: str) -> dict[str, dict[str, str]]:
    """Mounted filesystems by target: {"/mnt/hdd": {"source": "/dev/sda1", "fstype": "ext4", "options": "rw,…"}}."""
    import json

    return {
        fs["target"]: {k: fs[k] or "" for k in ("source", "fstype", "options")}
        for fs in json.loads(stdout)["filesystems"]
    }


@fact("df -P -B1 -x tmpfs -x devtmpfs -x overlay")
def disk_usage(stdout: str) -> dict[str, dict[str, int]]:
    """Per mount point: size, used and available bytes (POSIX df output)."""
    usage = {}
    for line in stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 6 and fields[1].isdigit():
            usage[" ".join(fields[5:])] = {"size": int(fields[1]), "used": int(fields[2]), "avail": int(fields[3])}
    return usage


@fact("cat /proc/meminfo")
def meminfo(stdout: str) -> dict[str, int]:
    """/proc/meminfo in kB: MemTotal, MemAvailable, SwapTotal, SwapFree…"""
    values = (line.split(":", 1) for line in stdout.splitlines() if ":" in line)
    return {key: int(value.split()[0]) for key, value in values if value.split() and value.split()[0].isdigit()}


@fact("ss -H -tuln")
def listening(stdout: str) -> set[tuple[str, str, int]]:
    """Listening sockets as (proto, address, port), e.g. ("tcp", "0.0.0.0", 2222)."""
    sockets = set()
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) >= 5:
            address, _, port = fields[4].rpartition(":")
            if port.isdigit():
                sockets.add((fields[0], address.strip("[]"), int(port)))
    return sockets
