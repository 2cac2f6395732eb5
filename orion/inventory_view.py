"""What `orion inventory` prints: each host's merged variables, in the shape of `ansible-inventory --list`.

Secrets are shown as the references the inventory holds (`{env: NAME}`, `{file: PATH}`), never resolved; the
output still goes through redaction, so a credential written inline in some other variable is masked too.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from orion import redact
from orion.inventory import Inventory

FORMATS = ("json", "yaml")


def listing(inv: Inventory) -> dict[str, Any]:
    """`_meta.hostvars` and every non-empty group with its hosts and children, as `ansible-inventory --list`
    (which lists no host under `all`)."""
    out: dict[str, Any] = {"_meta": {"hostvars": {name: host_vars(inv, name) for name in sorted(inv.hosts)}}}
    for name, group in inv.groups.items():
        entry = {"hosts": [] if name == "all" else list(group.hosts), "children": list(group.children)}
        if entry := {key: value for key, value in entry.items() if value}:
            out[name] = entry
    return out


def host_vars(inv: Inventory, name: str) -> dict[str, Any]:
    """One host's variables as Orion uses them, like `ansible-inventory --host NAME`."""
    if name not in inv.hosts:
        raise LookupError(f"{inv.path}: no host {name!r} (hosts: {', '.join(sorted(inv.hosts))})")
    return redact.data(dict(sorted(inv.hosts[name].hostvars.items())))


def render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return json.dumps(data, indent=4, ensure_ascii=False) + "\n"
