"""Host facts: named commands whose output checks read as data.

A check asks for a fact by naming it as a fixture argument (`def test_x(sshd_config)`). Before the
first fact of a host is read, the plugin already knows every fact that the selected checks need on
that host, so the SSH probe gathers them all in one round trip, as Ansible's fact gathering does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple


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


#: Where a login may come from. `sshd -T` alone applies no Match block; `sshd -T -C` applies those that match a
#: connection from these addresses (strings to sshd, no traffic): the LANs, Tailscale, and anywhere else.
SSH_SOURCES = {
    "192.168.1.50": "LAN",
    "10.0.0.50": "LAN",
    "172.16.0.50": "LAN",
    "100.64.0.1": "Tailscale",
    "203.0.113.7": "anywhere",
    "2001:db8::7": "anywhere",
}
#: root and every login account (uid 1000-1099), from every source. Multiple -C, not one comma-separated -C:
#: the sudoers line of the command stays free of commas. No `#`, quotes or glob characters either, for sudoers.
SSHD_CONTEXTS_COMMAND = (
    "for u in root $(getent passwd $(seq 1000 1099) | cut -d: -f1); do"
    f" for a in {' '.join(SSH_SOURCES)}; do echo @context $u $a;"
    " sshd -T -C user=$u -C host=$a -C addr=$a || exit 1; done; done"
)


@fact(SSHD_CONTEXTS_COMMAND, sudo=True)
def sshd_contexts(stdout: str) -> dict[str, dict[str, str]]:
    """sshd's effective settings per connection, Match blocks applied: {"root from 203.0.113.7 (anywhere)": {...}}."""
    contexts: dict[str, dict[str, str]] = {}
    name, lines = "", []
    for line in [*stdout.splitlines(), "@context"]:
        if line.startswith("@context"):
            if name:
                contexts[name] = sshd_config("\n".join(lines))
            user, _, address = line.removeprefix("@context").strip().partition(" ")
            name, lines = f"{user} from {address} ({SSH_SOURCES.get(address, 'elsewhere')})" if user else "", []
        else:
            lines.append(line)
    if not contexts:
        from orion.outcomes import CannotObserve

        raise CannotObserve("`sshd -T -C` printed no connection context")
    return contexts


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


class Listener(NamedTuple):
    proto: str  # tcp, udp
    address: str  # 0.0.0.0, ::, * (both families), 100.101.102.103, 0.0.0.0%lo (bound to an interface)
    port: int
    process: str  # the first process holding the socket (ss: comm, 15 characters); "" for the kernel's (nfsd)


_SS_PROCESS = re.compile(r'users:\(\("(?P<name>[^"]*)"')


@fact("ss -H -tulnp", sudo=True)
def listeners(stdout: str) -> set[Listener]:
    """Listening TCP and every unconnected UDP socket, with its process: `ss -p` sees other users' only as root."""
    found = set()
    for line in stdout.splitlines():
        fields = line.split()
        if len(fields) >= 5:
            address, _, port = fields[4].rpartition(":")
            process = _SS_PROCESS.search(line)
            if port.isdigit():
                address = address.replace("[", "").replace("]", "")  # [fe80::1]%eth0 -> fe80::1%eth0
                found.add(Listener(fields[0], address, int(port), process["name"] if process else ""))
    return found


# --- host facts of provisioning/ (SEC-01..04, INFRA-01/02/05, MAINT-01/03/06, MON-06) --------------------
# Every fact with sudo=True is listed, command for command, in the sudoers drop-in of Orion's restricted
# account (provisioning/roles/orion/defaults/main.yml, orion_sudo_commands); tests_unit keeps them in sync.


@fact("ufw status verbose", sudo=True)
def ufw_status(stdout: str) -> dict[str, Any]:
    """`ufw status verbose`: {"active": bool, "defaults": {"incoming": "deny", ...}, "rules": [ufw.Rule, ...]}."""
    from orion.probes import ufw

    return ufw.parse_status(stdout)


@fact("iptables -S INPUT", sudo=True)
def input_chain(stdout: str) -> dict[str, Any]:
    """The kernel's INPUT chain, which is what filters (ufw only writes it): {"policy": "DROP", "jumps": [...]}."""
    chain: dict[str, Any] = {"policy": None, "jumps": []}
    for line in stdout.splitlines():
        fields = line.split()
        if fields[:2] == ["-P", "INPUT"] and len(fields) > 2:
            chain["policy"] = fields[2]
        elif fields[:2] == ["-A", "INPUT"] and "-j" in fields:
            chain["jumps"].append(fields[fields.index("-j") + 1])
    return chain


@fact("fail2ban-client status sshd", sudo=True, ok=(0, 1, 255))
def fail2ban_sshd(stdout: str) -> dict[str, Any] | None:
    """fail2ban's sshd jail: {"files": [...], "journal": [...], "banned": 0}; None when it is not running."""
    if "Status for the jail: sshd" not in stdout:
        return None
    jail: dict[str, Any] = {"files": [], "journal": [], "banned": 0}
    for line in stdout.splitlines():
        key, _, value = line.strip(" |`-").partition(":")
        if key == "File list":
            jail["files"] = value.split()
        elif key == "Journal matches":
            jail["journal"] = value.split()
        elif key == "Currently banned" and value.strip().isdigit():
            jail["banned"] = int(value)
    return jail


@fact("ps -e -o comm=")
def processes(stdout: str) -> set[str]:
    """Names of the running processes (ps comm, at most 15 characters): {"sshd", "smartd", "fail2ban-server"...}."""
    return {line.strip() for line in stdout.splitlines() if line.strip()}


@fact("tailscale status --json", ok=(0, 1, 127))
def tailscale(stdout: str) -> dict[str, Any] | None:
    """`tailscale status --json` ({"BackendState": "Running", "Self": {...}}); None when absent or down."""
    import json

    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@fact("getent group docker", ok=(0, 2))
def docker_group(stdout: str) -> list[str] | None:
    """Members of the docker group (root-equivalent on a rootful engine), or None when there is no such group."""
    fields = stdout.strip().split(":")
    if len(fields) < 4:
        return None
    return sorted(m for m in fields[3].split(",") if m)


@fact("cat /etc/fstab")
def fstab(stdout: str) -> dict[str, dict[str, Any]]:
    """/etc/fstab by mount point: {"/mnt/hdd": {"source": "UUID=…", "fstype": "ext4", "options": ["nofail", …]}}."""
    entries = {}
    for line in stdout.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 4:
            entries[fields[1]] = {"source": fields[0], "fstype": fields[2], "options": fields[3].split(",")}
    return entries


@fact("exportfs -v", sudo=True)
def exports(stdout: str) -> dict[str, list[str]]:
    """NFS exports in force (`exportfs -v`): {"/mnt/hdd": ["10.0.0.3"]}; `*` or `<world>` means everyone."""
    table: dict[str, list[str]] = {}
    path = None
    for line in stdout.splitlines():
        if not line.strip():
            continue
        fields = line.split()
        if not line[0].isspace():
            path, fields = fields[0], fields[1:]
        if path is not None:
            for client in fields:
                table.setdefault(path, []).append(re.sub(r"\(.*\)$", "", client))
    return table


@fact("test -d /etc/.git && echo yes || echo no")
def etc_is_git(stdout: str) -> bool:
    """Whether /etc is a git repository (etckeeper keeps it)."""
    return stdout.strip() == "yes"


@fact("git -C /etc status --porcelain", sudo=True)
def etc_uncommitted(stdout: str) -> list[str]:
    """Changes in /etc that etckeeper has not committed: `git status --porcelain` lines (" M ssh/sshd_config")."""
    return [line for line in stdout.splitlines() if line.strip()]


@fact("logrotate -d /etc/logrotate.conf >/dev/null 2>&1; echo $?", sudo=True)
def logrotate(stdout: str) -> str:
    """logrotate's state: "ok" (installed, its configuration parses), "missing", or "invalid configuration".

    `logrotate -d` reads every configuration file and changes nothing; 127 means the binary is gone.
    """
    code = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    return {"0": "ok", "127": "missing"}.get(code, "invalid configuration")


@fact("cat /etc/systemd/journald.conf /etc/systemd/journald.conf.d/*.conf", ok=(0, 1))
def journald_conf(stdout: str) -> dict[str, str]:
    """journald's [Journal] settings, the drop-ins overriding the main file (systemd's own order)."""
    settings: dict[str, str] = {}
    section = ""
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Journal]" and "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


@fact("cat /etc/smartd.conf")
def smartd_conf(stdout: str) -> list[str]:
    """The directives of /etc/smartd.conf (comments dropped, continuation lines joined)."""
    joined = stdout.replace("\\\n", " ")
    return [line.split("#", 1)[0].strip() for line in joined.splitlines() if line.split("#", 1)[0].strip()]


@fact("smartd -q showtests", sudo=True, ok=tuple(range(256)))
def smartd_watched(stdout: str) -> dict[str, set[str]]:
    """The disks smartd registers, each with the self-test types it schedules (orion.probes.smartd); `showtests`
    checks no disk and runs no test. smartd exits 17 when it finds no disk: an answer, not a failure to observe."""
    from orion.probes import smartd

    return smartd.watched(stdout)


SMART_COMMAND = "smartctl -j -a -d sat /dev/$(lsblk -n -d -o PKNAME $(findmnt -n -o SOURCE /mnt/hdd))"


@fact(SMART_COMMAND, sudo=True, ok=tuple(range(256)))
def smart(stdout: str) -> Any:
    """SMART data of the HDD behind /mnt/hdd through the USB bridge (SAT): an orion.probes.smart.SmartReport.

    smartctl's exit status is a bitmask and is data here (bit 3: the disk is failing), so every status is accepted.
    """
    from orion.probes.smart import parse

    return parse(stdout)
