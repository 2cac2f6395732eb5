"""Which checks run, and where: markers validated, checks parametrised over their requirement's hosts, deselected
by node, kind (the offline gate) and requirement, and skipped with its reason where the inventory waives them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orion import inventory as inventory_mod
from orion.errors import ConfigError
from orion.markers import MARKERS, Marks, is_check
from orion.plugin.run import EXIT_CONFIG, or_exit, run_of

#: Fixtures that need the inventory: a selected check using one makes a bad inventory exit 2 before anything runs.
INVENTORY_FIXTURES = frozenset({"node", "inventory", "service"})


def pytest_configure(config: pytest.Config) -> None:
    for marker, text in MARKERS.items():
        config.addinivalue_line("markers", f"{marker}: {text}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    run = run_of(metafunc.config)
    marks = Marks.of(metafunc.definition)
    if "node" in metafunc.fixturenames:
        try:
            hosts = [] if metafunc.config.option.orion_offline else run.hosts_for(marks.req, marks.only_on)
        except ConfigError:
            hosts = []  # reported once collection knows whether a selected check needs the inventory
        metafunc.parametrize("node", hosts, ids=[h.name for h in hosts])
        if not hosts and (metafunc.config.option.orion_node or marks.only_on):
            run.out_of_scope.add(metafunc.definition.nodeid)
    if "stack" in metafunc.fixturenames:
        nodes = run.nodes_for(marks.req, marks.only_on)
        metafunc.parametrize("stack", nodes, ids=nodes, indirect=True)
        if not nodes:
            run.out_of_scope.add(metafunc.definition.nodeid)


@pytest.hookimpl(trylast=True)  # after -m and -k, so that only the selected checks matter
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    run = run_of(config)
    checks = [item for item in items if is_check(item)]
    problems = [f"{item.nodeid}: {p}" for item in checks for p in Marks.of(item).problems(run.catalogue)]
    if problems:
        pytest.exit("orion: invalid check markers\n  " + "\n  ".join(problems), returncode=EXIT_CONFIG)
    # Checks of the other node (--orion-node) are not part of this run: deselected, not skipped.
    _deselect(config, items, lambda i: i.nodeid.split("[")[0] in run.out_of_scope)
    if config.option.orion_offline:
        _deselect(config, items, lambda i: is_check(i) and i.get_closest_marker("static") is None)
    if wanted := set(config.option.orion_req or ()):
        if unknown := sorted(wanted - set(run.catalogue.requirements)):
            pytest.exit(f"orion: --req {', '.join(unknown)}: not in {run.catalogue.path.name}", returncode=EXIT_CONFIG)
        _deselect(config, items, lambda i: not wanted & set(Marks.of(i).req))
    if any(INVENTORY_FIXTURES & set(getattr(i, "fixturenames", ())) for i in items if is_check(i)):
        or_exit(lambda: run.inventory)


def _deselect(config: pytest.Config, items: list[pytest.Item], unwanted: Callable[[pytest.Item], bool]) -> None:
    dropped = [i for i in items if unwanted(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not unwanted(i)]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, with its reason, a check whose requirement the inventory waives on its host."""
    callspec = getattr(item, "callspec", None)
    spec = callspec.params.get("node") if callspec else None
    if isinstance(spec, inventory_mod.Host):
        for req_id in Marks.of(item).req:
            for key in (req_id, f"{req_id}:{getattr(item, 'originalname', item.name)}"):
                if key in spec.waivers:
                    pytest.skip(f"{key} is waived on {spec.name}: {spec.waivers[key]}")
