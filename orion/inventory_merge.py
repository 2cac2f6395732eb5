"""Ansible's variable merging for a YAML inventory, so that Orion sees each host as provisioning does.

A host's variables are layered, each layer overriding the ones before it (ansible-core's VariableManager):
1. `vars` of `all` in the inventory file, then of every other group the host belongs to, ancestors included,
   sorted by depth (the longest path from `all`: a child beats its parent), then `ansible_group_priority`
   (default 1, higher wins), then name;
2. `group_vars/all`, then `group_vars/<group>` in that same order;
3. the host's own variables in the inventory file (a later mention beats an earlier one), then `host_vars/<host>`.
A group that appears in several places is one group with the union of its variables, hosts and children.
`group_vars/` and `host_vars/` are read beside the inventory file: `<name>`, else `<name>.yml`, `.yaml` or
`.json`; a directory contributes its files in sorted order. Every variable keeps the file and line it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from orion import yamlsrc
from orion.errors import ConfigError

PRIORITY = "ansible_group_priority"
GROUP_KEYS = ("hosts", "vars", "children")
_EXTENSIONS = ("", ".yml", ".yaml", ".json")


class Var(NamedTuple):
    """A variable's value and where it was set."""

    value: Any
    doc: yamlsrc.Document
    loc: yamlsrc.Loc

    def error(self, message: str, *more: str | int) -> ConfigError:
        return self.doc.error((*self.loc, *more), message)


Vars = dict[str, Var]
#: Judges a variable name: None when it is allowed, else what was expected instead.
KeyCheck = Callable[[str], str | None]


@dataclass
class _Group:
    name: str
    vars: Vars = field(default_factory=dict)
    priority: int = 1
    parents: dict[str, None] = field(default_factory=dict)  # dicts as ordered sets: output keeps file order
    children: dict[str, None] = field(default_factory=dict)
    hosts: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """A group as `ansible-inventory --list` shows it: the hosts listed in it and its child groups."""

    name: str
    hosts: tuple[str, ...]
    children: tuple[str, ...]


@dataclass(frozen=True)
class Merged:
    doc: yamlsrc.Document
    #: Each host's variables after Ansible's precedence, with the source of the winning value.
    hostvars: dict[str, Vars]
    #: Where each host is first listed in the inventory file.
    host_locs: dict[str, yamlsrc.Loc]
    #: The groups a host is listed in directly, in file order.
    host_groups: dict[str, tuple[str, ...]]
    groups: dict[str, Group]


def merge(path: Path, check: KeyCheck) -> Merged:
    """Parse the inventory at `path` and its group_vars/host_vars; any defect raises ConfigError at file:line."""
    doc = yamlsrc.load(path)
    if not isinstance(doc.data, dict) or not doc.data:
        raise doc.error((), "an inventory is a mapping of groups, e.g. `all: {children: {...}}`")
    parser = _Parser(doc, check)
    for name, body in doc.data.items():
        parser.group(str(name), body, (name,))
    if not parser.hostvars:
        raise doc.error((), "the inventory defines no host")
    groups = _rooted(parser.groups, parser.host_groups)
    depth = _depths(groups)
    side = _SideFiles(doc.path.parent, check)
    hostvars = {}
    for host, own in parser.hostvars.items():
        member = [g for g in parser.host_groups[host] if g != "ungrouped"]
        if host in groups["ungrouped"].hosts:
            member.append("ungrouped")
        ancestors = sorted(_ancestors(groups, member) - {"all"}, key=lambda g: (depth[g], groups[g].priority, g))
        layers = [groups["all"].vars, *(groups[g].vars for g in ancestors), side.group("all")]
        layers += [*(side.group(g) for g in ancestors), own, side.host(host)]
        hostvars[host] = {key: var for layer in layers for key, var in layer.items()}
    return Merged(
        doc,
        hostvars,
        parser.host_locs,
        {host: tuple(names) for host, names in parser.host_groups.items()},
        {g.name: Group(g.name, tuple(g.hosts), tuple(g.children)) for g in groups.values()},
    )


@dataclass
class _Parser:
    """Walks the inventory file the way Ansible's YAML inventory plugin does: each group's keys in file order."""

    doc: yamlsrc.Document
    check: KeyCheck
    groups: dict[str, _Group] = field(default_factory=dict)
    hostvars: dict[str, Vars] = field(default_factory=dict)
    host_locs: dict[str, yamlsrc.Loc] = field(default_factory=dict)
    host_groups: dict[str, dict[str, None]] = field(default_factory=dict)

    def group(self, name: str, body: Any, loc: yamlsrc.Loc) -> None:
        group = self.groups.setdefault(name, _Group(name))
        if body is None:
            return
        if not isinstance(body, dict):
            raise self.doc.error(loc, f"group {name!r} must be a mapping with hosts, vars or children")
        for key, section in body.items():
            where = (*loc, key)
            if key not in GROUP_KEYS:
                raise self.doc.error(where, f"unknown key {key!r} in group {name!r} (expected hosts, vars, children)")
            if section is None:
                continue
            if not isinstance(section, dict):
                raise self.doc.error(where, f"`{key}` of group {name!r} must be a mapping")
            if key == "vars":
                self._group_vars(group, section, where)
            elif key == "hosts":
                for host, variables in section.items():
                    self._host(str(host), group, variables, (*where, host))
            else:
                for child, child_body in section.items():
                    self._child(group, str(child), child_body, (*where, child))

    def _group_vars(self, group: _Group, variables: dict[Any, Any], loc: yamlsrc.Loc) -> None:
        for key, value in variables.items():
            if key == PRIORITY:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise self.doc.error((*loc, key), f"{PRIORITY} of group {group.name!r} must be an integer")
                group.priority = value
            else:
                group.vars.update(_vars(self.doc, {key: value}, loc, self.check))

    def _host(self, host: str, group: _Group, variables: Any, loc: yamlsrc.Loc) -> None:
        self.host_locs.setdefault(host, loc)
        self.host_groups.setdefault(host, {})[group.name] = None
        group.hosts[host] = None
        self.hostvars.setdefault(host, {}).update(_vars(self.doc, variables, loc, self.check))

    def _child(self, parent: _Group, name: str, body: Any, loc: yamlsrc.Loc) -> None:
        if name == "all":
            raise self.doc.error(loc, "`all` holds every group: it cannot be the child of one")
        self.group(name, body, loc)
        if name == parent.name or parent.name in _ancestors(self.groups, [name], down=True):
            raise self.doc.error(loc, f"group {name!r} would be its own ancestor (through {parent.name!r})")
        parent.children[name] = None
        self.groups[name].parents[parent.name] = None


def _vars(doc: yamlsrc.Document, variables: Any, loc: yamlsrc.Loc, check: KeyCheck) -> Vars:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise doc.error(loc, "variables must be a mapping")
    out = {}
    for key, value in variables.items():
        if key == PRIORITY:
            raise doc.error((*loc, key), f"{PRIORITY} takes effect only in a group's `vars` in the inventory file")
        if (expected := check(str(key))) is not None:
            raise doc.error((*loc, key), f"unknown variable {key!r}: expected {expected}")
        out[str(key)] = Var(value, doc, (*loc, key))
    return out


def _ancestors(groups: dict[str, _Group], names: Any, down: bool = False) -> set[str]:
    """Every group above `names` (below them with `down`), `names` included."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            group = groups.get(name)
            todo += list((group.children if down else group.parents) if group else ())
    return seen


def _rooted(groups: dict[str, _Group], host_groups: dict[str, dict[str, None]]) -> dict[str, _Group]:
    """What Ansible adds after parsing: `all` above every top-level group, and `ungrouped`, the hosts in no
    group but `all`."""
    root = groups.setdefault("all", _Group("all"))
    ungrouped = groups.setdefault("ungrouped", _Group("ungrouped"))
    root.children = {"ungrouped": None, **root.children}
    ungrouped.parents["all"] = None
    for group in groups.values():
        if group.name != "all" and not group.parents:
            group.parents["all"] = None
            root.children[group.name] = None
    for host, direct in host_groups.items():
        if set(direct) <= {"all", "ungrouped"}:
            ungrouped.hosts[host] = None
        else:
            ungrouped.hosts.pop(host, None)
    return groups


def _depths(groups: dict[str, _Group]) -> dict[str, int]:
    """Each group's depth: the longest path from `all` (the file has no cycle: `_child` refuses one)."""
    depth = {"all": 0}

    def of(name: str) -> int:
        if name not in depth:
            depth[name] = 1 + max(of(parent) for parent in groups[name].parents)
        return depth[name]

    for name in groups:
        of(name)
    return depth


@dataclass
class _SideFiles:
    """group_vars/ and host_vars/ beside the inventory file, each read once."""

    root: Path
    check: KeyCheck
    cache: dict[Path, Vars] = field(default_factory=dict)

    def group(self, name: str) -> Vars:
        return self._read(self.root / "group_vars", name)

    def host(self, name: str) -> Vars:
        return self._read(self.root / "host_vars", name)

    def _read(self, folder: Path, name: str) -> Vars:
        key = folder / name
        if key not in self.cache:
            merged: Vars = {}
            for path in _files(folder, name):
                doc = yamlsrc.load(path)
                if doc.data is not None and not isinstance(doc.data, dict):
                    raise doc.error((), "a vars file is a mapping of variable names to values")
                merged.update(_vars(doc, doc.data, (), self.check))
            self.cache[key] = merged
        return self.cache[key]


def _files(folder: Path, name: str) -> Iterator[Path]:
    """The first of `name`, `name.yml`, `name.yaml`, `name.json` that exists; a directory gives its files."""
    for ext in _EXTENSIONS:
        path = folder / f"{name}{ext}"
        if path.is_dir():
            yield from _dir_files(path)
            return
        if path.exists():
            yield path
            return


def _dir_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name.endswith("~"):
            continue
        if path.is_dir():
            if not path.suffix:
                yield from _dir_files(path)
        elif path.suffix in _EXTENSIONS:
            yield path
