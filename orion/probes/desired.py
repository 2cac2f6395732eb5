"""The desired state of a host, as provisioning/ declares it: role defaults, overridden by the inventory.

Host checks compare what a host runs with what its roles put there: the allow-list of listening ports
(MAINT-06), the rootless decision (SEC-04), who may drive Docker. Only plain (untemplated) defaults are
read here; a default that Ansible computes from facts is mirrored in the function that needs it, with the
expression it mirrors named in its docstring.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from orion import tree, yamlsrc
from orion.errors import ConfigError
from orion.inventory import Host


def role_defaults(role: str) -> dict[str, Any]:
    """provisioning/roles/<role>/defaults/main.yml of the judged tree; bad YAML is a ConfigError at its line."""
    return _defaults(tree.current().provisioning / "roles" / role / "defaults" / "main.yml")


@cache
def _defaults(path: Path) -> dict[str, Any]:
    data = yamlsrc.load(path).data
    if data is not None and not isinstance(data, dict):
        raise ConfigError(path, 1, "role defaults must be a mapping of variables")
    return data or {}


def var(host: Host, role: str, name: str) -> Any:
    """A role variable for a host: the inventory's value if it sets one, else the role's default."""
    return host.vars[name] if name in host.vars else role_defaults(role).get(name)


def allowed_ports(host: Host) -> set[tuple[str, int]]:
    """MAINT-06: the (proto, port) pairs that may listen on a non-loopback address on this host."""
    table = var(host, "maintenance", "maintenance_allowed_ports") or {}
    extra = var(host, "maintenance", "maintenance_extra_allowed_ports") or []
    entries = [*table.get("common", []), *table.get(host.node, []), *extra]
    pairs = set()
    for entry in entries:
        port, _, proto = str(entry).partition("/")
        pairs.add((proto or "tcp", int(port)))
    return pairs


def allowed_processes(host: Host) -> set[tuple[str, str | None]]:
    """MAINT-06: the (process, proto) pairs that may listen on any port on this host; proto None: tcp and udp."""
    table = var(host, "maintenance", "maintenance_allowed_processes") or {}
    pairs: set[tuple[str, str | None]] = set()
    for entry in [*table.get("common", []), *table.get(host.node, [])]:
        process, _, proto = str(entry).partition("/")
        pairs.add((process, proto or None))
    return pairs


def docker_decision(host: Host) -> dict[str, Any]:
    """SEC-04: {"rootless": bool, "reason": str} for the host's node (roles/docker, docker_rootless)."""
    decisions = var(host, "docker", "docker_rootless") or {}
    return dict(decisions.get(host.node) or {"rootless": False, "reason": "no decision recorded"})


def docker_group_members(host: Host) -> list[str]:
    """Who may drive a rootful engine. Mirrors roles/docker's default `[ansible_user, 'orion'] | unique`."""
    if "docker_group_members" in host.vars:
        return sorted(host.vars["docker_group_members"])
    return sorted({host.user, "orion"})
