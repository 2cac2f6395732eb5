"""The desired state of a host, as provisioning/ declares it: role defaults, overridden by the inventory.

Host checks compare what a host runs with what its roles put there: the allow-list of listening ports
(MAINT-06), the rootless decision (SEC-04), who may drive Docker. Only plain (untemplated) defaults are
read here; a default that Ansible computes from facts is mirrored in the function that needs it, with the
expression it mirrors named in its docstring.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from orion import PROJECT_ROOT
from orion.inventory import Host

ROLES = PROJECT_ROOT / "provisioning" / "roles"


@cache
def role_defaults(role: str) -> dict[str, Any]:
    """provisioning/roles/<role>/defaults/main.yml."""
    data = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


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


def docker_decision(host: Host) -> dict[str, Any]:
    """SEC-04: {"rootless": bool, "reason": str} for the host's node (roles/docker, docker_rootless)."""
    decisions = var(host, "docker", "docker_rootless") or {}
    return dict(decisions.get(host.node) or {"rootless": False, "reason": "no decision recorded"})


def docker_group_members(host: Host) -> list[str]:
    """Who may drive a rootful engine. Mirrors roles/docker's default `[ansible_user, 'orion'] | unique`."""
    if "docker_group_members" in host.vars:
        return sorted(host.vars["docker_group_members"])
    return sorted({host.user, "orion"})
