"""Differential test: Orion merges every host's variables exactly as `ansible-inventory --list` does.

Generated inventories nest groups (a group may sit under several parents and be written in several places),
list hosts in several groups, set variables at every level (`all`, parents, children, hosts, repeated mentions,
`ansible_group_priority`, group_vars/ files and directories, host_vars/) and must come out the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orion import inventory, inventory_view

ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"
GROUPS = [f"g{i}" for i in range(4)]
HOSTS = [f"h{i}" for i in range(3)]
# Allowed keys (role variables and one validated Orion key) with simple scalar values.
VALUES = {
    "base_a": st.integers(0, 9),
    "ssh_b": st.integers(0, 9) | st.sampled_from(["x", "y"]),
    "orion_node": st.sampled_from(["cortex", "synapse"]),
}


def variables() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=VALUES)


@st.composite
def group_body(draw: st.DrawFn, index: int, depth: int) -> dict[str, Any] | None:
    """A group's body; its children are drawn from later groups only, so the graph has no cycle."""
    body: dict[str, Any] = {}
    for section in draw(st.permutations(["vars", "hosts", "children"])):  # the order of keys matters to Ansible
        if section == "vars":
            body["vars"] = draw(variables())
            if draw(st.booleans()):
                body["vars"]["ansible_group_priority"] = draw(st.integers(0, 3))
        elif section == "hosts" and draw(st.booleans()):
            names = draw(st.lists(st.sampled_from(HOSTS), unique=True, max_size=3))
            body["hosts"] = {name: draw(st.none() | variables()) for name in names}
        elif section == "children" and depth < 3 and index + 1 < len(GROUPS):
            names = draw(st.lists(st.sampled_from(GROUPS[index + 1 :]), unique=True, max_size=3))
            body["children"] = {name: draw(group_body(GROUPS.index(name), depth + 1)) for name in names}
    return body or None


@st.composite
def inventories(draw: st.DrawFn) -> dict[str, Any]:
    """{"inventory.yml": document, "group_vars/g1.yml": vars, "group_vars/g2/10.yml": vars, ...}"""
    root = draw(group_body(-1, 0)) or {}
    root.setdefault("vars", {}).setdefault("orion_node", "cortex")
    root["vars"].pop("ansible_group_priority", None)
    root.setdefault("hosts", {}).setdefault("h0", None)  # at least one host
    doc: dict[str, Any] = {"all": root}
    for name in draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=2)):  # top-level groups beside `all`
        doc[name] = draw(group_body(GROUPS.index(name), 1))
    files: dict[str, Any] = {"inventory.yml": doc}
    for name in draw(st.lists(st.sampled_from(["all", *GROUPS]), unique=True, max_size=3)):
        if draw(st.booleans()):
            files[f"group_vars/{name}.yml"] = draw(variables())
        else:  # a directory: its files apply in sorted order
            files[f"group_vars/{name}/b.yml"] = draw(variables())
            files[f"group_vars/{name}/a.yaml"] = draw(variables())
    for name in draw(st.lists(st.sampled_from(HOSTS), unique=True, max_size=2)):
        files[f"host_vars/{name}.yml"] = draw(variables())
    return files


# Every rule at once, for a run that draws none of them. g2 is written twice (under g0 with h1, under `all` with
# its vars): for h1 it beats g3 by depth (ssh_b), g0 beats its sibling g3 by priority (orion_node), group_vars/
# beat every group of the inventory file and a directory's files apply in order (base_a), the later mention of h1
# beats the earlier (base_h), and host_vars/ beat the host's own (h0's base_a).
NESTED = {
    "inventory.yml": {
        "all": {
            "vars": {"orion_node": "synapse", "base_a": 0, "ssh_b": "x"},
            "hosts": {"h0": {"base_a": 8}},
            "children": {
                "g0": {
                    "vars": {"orion_node": "cortex", "base_a": 1, "ansible_group_priority": 3},
                    "children": {"g2": {"hosts": {"h1": None}}},
                },
                "g1": {"vars": {"base_a": 2}, "hosts": {"h1": {"base_h": 1}}},
                "g2": {"vars": {"base_a": 3, "ssh_b": "y"}},
            },
        },
        "g3": {"hosts": {"h1": {"base_h": 2}}, "vars": {"orion_node": "synapse", "ssh_b": "z"}},
    },
    "group_vars/all.yml": {"base_a": 4},
    "group_vars/g1/a.yml": {"base_a": 5},
    "group_vars/g1/b.yml": {"base_a": 6},
    "host_vars/h0.yml": {"base_a": 9},
}


@settings(max_examples=12, deadline=None)
@given(inventories())
@example(NESTED)
def test_orion_merges_every_host_s_variables_as_ansible_does(files):
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            path = Path(tmp, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, sort_keys=False))
        expected = _ansible_list(Path(tmp, "inventory.yml"))
        ours = inventory_view.listing(inventory.load(Path(tmp, "inventory.yml")))
    assert ours["_meta"]["hostvars"] == expected["_meta"]["hostvars"]
    assert _groups(ours) == _groups(expected)


def _ansible_list(path: Path) -> dict[str, Any]:
    if not ANSIBLE_INVENTORY.exists():
        pytest.fail(f"{ANSIBLE_INVENTORY} is missing: run `make deps` (ansible-core is a dev dependency)")
    config = path.parent / "ansible.cfg"
    config.write_text("[defaults]\n")  # none of the caller's settings
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_INVENTORY_ENABLED": "yaml",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",  # a file Ansible cannot parse fails instead of listing nothing
        "ANSIBLE_LOCAL_TEMP": str(path.parent / ".ansible-tmp"),
    }
    done = subprocess.run(
        [str(ANSIBLE_INVENTORY), "-i", str(path), "--list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _groups(listing: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Groups with their hosts and children, order aside (Ansible lists top-level groups in its own order)."""
    return {
        name: {key: sorted(members) for key, members in entry.items()}
        for name, entry in listing.items()
        if name != "_meta"
    }
