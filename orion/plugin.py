"""The pytest plugin: options, markers, fixtures, outcome classification, run record and exit status.

Registered through the `pytest11` entry point, so `pytest -m critical --inventory PATH` and
`orion check` behave the same. A test is a *check* when it carries `req(...)` or lives under checks/.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from orion import catalogue as catalogue_mod
from orion import evidence, history, output, record, redact
from orion import inventory as inventory_mod
from orion.catalogue import Cadence, Catalogue, Kind
from orion.errors import ConfigError
from orion.outcomes import ObservationError, Outcome
from orion.probes.compose import Stack
from orion.probes.docker import DockerNode
from orion.probes.facts import FACTS
from orion.probes.ssh import RemoteHost

if TYPE_CHECKING:
    from orion.probes.http import ServiceClient  # imports httpx: only runs that call a service pay for it
from orion.state import state_dir

CHECKS_DIR = catalogue_mod.DEFAULT_PATH.parent
EXIT_CONFIG = 2
EXIT_UNOBSERVED = 3
MARKERS = {
    "req(*ids)": "the requirement IDs (checks/requirements.yml) that this check proves",
    "on(node)": "only on this node (cortex or synapse), when the requirement spans both but the check does not",
    **{c.value: f"cadence: {c.value}" for c in Cadence},
    **{k.value: f"kind: {k.value}" for k in Kind},
}
_RUN = pytest.StashKey["Run"]()
INVENTORY_FIXTURES = frozenset({"node", "inventory", "service"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("orion", "Orion homelab conformance")
    group.addoption(
        "--orion-inventory",
        "--inventory",
        dest="orion_inventory",
        metavar="PATH",
        help="inventory file (default: $ORION_INVENTORY, /etc/orion/inventory.yml, lab/inventory.yml)",
    )
    group.addoption(
        "--orion-state-dir",
        "--state-dir",
        dest="orion_state_dir",
        metavar="DIR",
        help="state directory (default: $ORION_STATE_DIR, /var/lib/orion, ~/.local/state/orion)",
    )
    group.addoption(
        "--orion-node", dest="orion_node", choices=("cortex", "synapse"), help="only the checks of this node"
    )
    group.addoption(
        "--orion-offline",
        dest="orion_offline",
        action="store_true",
        help="no inventory and no network: only static checks run (the gate)",
    )
    group.addoption(
        "--orion-req", "--req", dest="orion_req", action="append", metavar="ID",
        help="only the checks of this requirement (repeatable)",
    )  # fmt: skip
    group.addoption("--orion-tracebacks", dest="orion_tracebacks", action="store_true",
                    help="keep full tracebacks for checks that could not observe")  # fmt: skip


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Keep testinfra's own plugin out: its `host` fixture comes from --hosts, Orion's from the inventory.

    Blocking works when Orion loads first; when testinfra loaded first, Orion's later fixture wins anyway.
    """
    pluginmanager.set_blocked("pytest11.testinfra")


def pytest_configure(config: pytest.Config) -> None:
    for marker, text in MARKERS.items():
        config.addinivalue_line("markers", f"{marker}: {text}")
    config.stash[_RUN] = run = Run(config)
    config.pluginmanager.register(run, "orion-run")


class Run:
    """Everything one run shares: catalogue, inventory, probes (one per host and service), results."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = record.now()
        self.run_id = record.new_run_id()
        self.results: dict[str, record.CheckResult] = {}
        self.other_failures = 0
        self.out_of_scope: set[str] = set()  # checks whose requirement has no node in this run's scope
        self.record_path: Path | None = None
        self._inventory: inventory_mod.Inventory | None = None
        self._catalogue: Catalogue | None = None
        self.remote: dict[str, RemoteHost] = {}
        self.http: dict[tuple[str, str], ServiceClient] = {}
        self.docker: dict[str, DockerNode] = {}
        self.stacks: dict[str, Stack] = {}

    @cached_property
    def state(self) -> Path:
        return state_dir(self.config.option.orion_state_dir)

    @property
    def worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = _or_exit(catalogue_mod.load)
        return self._catalogue

    @property
    def inventory(self) -> inventory_mod.Inventory:
        """The inventory, loaded on first use; raises ConfigError."""
        if self._inventory is None:
            self._inventory = inventory_mod.load(self.config.option.orion_inventory)
        return self._inventory

    def hosts_for(self, req_ids: list[str], only: str | None = None) -> list[inventory_mod.Host]:
        hosts: dict[str, inventory_mod.Host] = {}
        for node in self.nodes_for(req_ids, only):
            hosts.update((h.name, h) for h in self.inventory.on(node))
        return list(hosts.values())

    def nodes_for(self, req_ids: list[str], only: str | None = None) -> list[str]:
        """The nodes a check runs on: its requirements' nodes, narrowed by `on(node)` and --orion-node."""
        wanted = self.config.option.orion_node
        nodes = {n for r in req_ids if r in self.catalogue for n in self.catalogue[r].nodes}
        return [n for n in catalogue_mod.NODES if n in nodes and wanted in (None, n) and only in (None, n)]

    def close(self) -> None:
        for probe in [*self.remote.values(), *self.http.values(), *self.docker.values()]:
            probe.close()

    # Hooks of the run, registered as a plugin instance so that they share its state.

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Tell each host which facts the selected checks will read, so they are gathered in one trip."""
        for item in session.items:
            if not _is_check(item):
                continue
            callspec = getattr(item, "callspec", None)
            spec = callspec.params.get("node") if callspec else None
            if spec is not None:
                wanted = {name for name in getattr(item, "fixturenames", ()) if name in FACTS}
                _remote(self, spec).pending.update(wanted)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Merge the setup, call and teardown reports of each check into one result (on the controller too)."""
        data = _orion_data(report)
        if data is None:
            self.other_failures += int(report.failed)
            return
        outcome = Outcome(data["outcome"])
        result = self.results.setdefault(
            report.nodeid,
            record.CheckResult(
                report.nodeid, data["req"], data["host"], outcome, cadence=data["cadence"], kind=data["kind"]
            ),
        )
        result.duration_s = round(result.duration_s + report.duration, 3)
        if outcome is not Outcome.PASSED and result.outcome in (Outcome.PASSED, outcome) and not result.message:
            result.outcome, result.message = outcome, data["message"]
        if data["evidence"]:
            result.evidence = data["evidence"]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.close()
        if self.worker or not self.results:
            return
        rec = record.RunRecord(
            run_id=self.run_id,
            started=self.started,
            finished=record.now(),
            inventory=str(self._inventory.path) if self._inventory else None,
            selection=[redact.text(a) for a in session.config.invocation_params.args],
            checks=list(self.results.values()),
        )
        try:
            self.record_path = record.write(self.state, rec)
            history.store(self.state, rec)
        except OSError as exc:
            sys.stderr.write(f"orion: cannot write the run record: {exc}\n")
            session.exitstatus = EXIT_CONFIG
            return
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = exit_code(rec.summary, self.other_failures)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.worker or not self.results:
            return
        writer = terminalreporter._tw
        results = list(self.results.values())
        text = output.render(results, self.catalogue, rich=writer.hasmarkup, width=writer.fullwidth)
        terminalreporter.section("orion", sep="=")
        terminalreporter.write(text)
        if self.record_path is not None:
            terminalreporter.write_line(f"orion: run record {self.record_path}")


def _or_exit(load: Callable[[], Any]) -> Any:
    try:
        return load()
    except ConfigError as exc:
        pytest.exit(f"orion: {exc}", returncode=EXIT_CONFIG)


def _run(config: pytest.Config) -> Run:
    return config.stash[_RUN]


def _req_ids(node: pytest.Item | Any) -> list[str]:
    return [str(i) for mark in node.iter_markers("req") for i in mark.args]


def _only_on(node: pytest.Item | Any) -> str | None:
    mark = node.get_closest_marker("on")
    return str(mark.args[0]) if mark and mark.args else None


# --- collection ---------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    run = _run(metafunc.config)
    ids = _req_ids(metafunc.definition)
    only = _only_on(metafunc.definition)
    if "node" in metafunc.fixturenames:
        try:
            hosts = [] if metafunc.config.option.orion_offline else run.hosts_for(ids, only)
        except ConfigError:
            hosts = []  # reported once collection knows whether a selected check needs the inventory
        metafunc.parametrize("node", hosts, ids=[h.name for h in hosts])
        if not hosts and (metafunc.config.option.orion_node or only):
            run.out_of_scope.add(metafunc.definition.nodeid)
    if "stack" in metafunc.fixturenames:
        nodes = run.nodes_for(ids, only)
        metafunc.parametrize("stack", nodes, ids=nodes, indirect=True)
        if not nodes:
            run.out_of_scope.add(metafunc.definition.nodeid)


@pytest.hookimpl(trylast=True)  # after -m and -k, so that only the selected checks matter
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    run = _run(config)
    problems = []
    for item in items:
        if not _is_check(item):
            continue
        problems += [f"{item.nodeid}: {p}" for p in _marker_problems(item, run.catalogue)]
    if problems:
        pytest.exit("orion: invalid check markers\n  " + "\n  ".join(problems), returncode=EXIT_CONFIG)
    # Checks of the other node (--orion-node) are not part of this run: deselected, not skipped.
    _deselect(config, items, lambda i: i.nodeid.split("[")[0] in run.out_of_scope)
    if config.option.orion_offline:
        _deselect(config, items, lambda i: _is_check(i) and i.get_closest_marker("static") is None)
    if wanted := set(config.option.orion_req or ()):
        if unknown := sorted(wanted - set(run.catalogue.requirements)):
            pytest.exit(f"orion: --req {', '.join(unknown)}: not in {run.catalogue.path.name}", returncode=EXIT_CONFIG)
        _deselect(config, items, lambda i: not wanted & set(_req_ids(i)))
    if any(INVENTORY_FIXTURES & set(getattr(i, "fixturenames", ())) for i in items if _is_check(i)):
        _or_exit(lambda: run.inventory)


def _deselect(config: pytest.Config, items: list[pytest.Item], unwanted: Callable[[pytest.Item], bool]) -> None:
    dropped = [i for i in items if unwanted(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not unwanted(i)]


def _is_check(item: pytest.Item) -> bool:
    return item.get_closest_marker("req") is not None or CHECKS_DIR in Path(item.path).parents


def _marker_problems(item: pytest.Item, catalogue: Catalogue) -> list[str]:
    problems = []
    ids = _req_ids(item)
    if not ids:
        problems.append("no requirement: mark it @pytest.mark.req('ID')")
    for req_id in ids:
        if req_id not in catalogue:
            problems.append(f"unknown requirement {req_id!r} (not in {catalogue.path.name})")
        elif catalogue[req_id].status == "future":
            problems.append(f"requirement {req_id} is `future`: it takes no check until V2")
    for vocabulary, name in ((Cadence, "cadence"), (Kind, "kind")):
        found = [v.value for v in vocabulary if item.get_closest_marker(v.value)]
        if len(found) != 1:
            choices = "|".join(v.value for v in vocabulary)
            problems.append(f"needs exactly one {name} marker ({choices}), has {found or 'none'}")
    if (only := _only_on(item)) is not None and (
        only not in catalogue_mod.NODES or not any(only in catalogue[r].nodes for r in ids if r in catalogue)
    ):
        problems.append(f"on({only!r}) is not a node of its requirement")
    if item.get_closest_marker("disruptive") and item.get_closest_marker("critical"):
        problems.append("a disruptive check is never critical")
    return problems


# --- fixtures -----------------------------------------------------------------------------------


def _remote(run: Run, spec: inventory_mod.Host) -> RemoteHost:
    if spec.name not in run.remote:
        run.remote[spec.name] = RemoteHost(spec, run.state / "known_hosts" if spec.check_host_key else None)
    return run.remote[spec.name]


def _client(run: Run, spec: inventory_mod.Host, name: str) -> ServiceClient:
    from orion.probes.http import ServiceClient

    key = (spec.name, name)
    if key not in run.http:
        run.http[key] = ServiceClient(spec, spec.services[name])
    return run.http[key]


@pytest.fixture(scope="session")
def catalogue(request: pytest.FixtureRequest) -> Catalogue:
    return _run(request.config).catalogue


@pytest.fixture(scope="session")
def inventory(request: pytest.FixtureRequest) -> inventory_mod.Inventory:
    return _run(request.config).inventory


@pytest.fixture
def host(request: pytest.FixtureRequest, node: inventory_mod.Host) -> RemoteHost:
    """The node over SSH: one connection per host for the whole run."""
    return _remote(_run(request.config), node)


@pytest.fixture
def http(request: pytest.FixtureRequest, node: inventory_mod.Host) -> Callable[[str], ServiceClient]:
    """`http("prometheus")`: this node's client for a service of the inventory, shared by the run."""
    run = _run(request.config)

    def client(name: str) -> ServiceClient:
        if name not in node.services:
            raise ObservationError(f"{node.name}: the inventory has no service {name!r} (orion_services)")
        return _client(run, node, name)

    return client


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Callable[[str], ServiceClient]:
    """`service("prometheus")`: the client of a service wherever the inventory places it (one host)."""
    run = _run(request.config)

    def client(name: str) -> ServiceClient:
        found = run.inventory.service(name)
        if found is None:
            raise ObservationError(f"the inventory has no service {name!r} (orion_services)")
        return _client(run, found[0], name)

    return client


@pytest.fixture
def docker_node(request: pytest.FixtureRequest, node: inventory_mod.Host) -> DockerNode:
    """This node's containers, through the Docker endpoint and compose project of the inventory."""
    run = _run(request.config)
    if node.name not in run.docker:
        run.docker[node.name] = DockerNode(node)
    return run.docker[node.name]


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Stack:
    """The compose model of stacks/<node>/ for static checks."""
    run = _run(request.config)
    name = request.param
    if name not in run.stacks:
        try:
            run.stacks[name] = Stack(name)
        except ConfigError as exc:
            raise ObservationError(str(exc)) from None
    return run.stacks[name]


def _fact_fixture(name: str) -> Any:
    @pytest.fixture(name=name)
    def read(host: RemoteHost) -> Any:
        return host.fact(name)

    read.__doc__ = f"Fact {name!r} of the node: `{FACTS[name].command}`."
    return read


for _name in FACTS:
    globals()[f"_fact_{_name}"] = _fact_fixture(_name)


# --- outcomes -----------------------------------------------------------------------------------


_EVIDENCE = pytest.StashKey[evidence.Evidence]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, with its reason, a check whose requirement the inventory waives on its host."""
    callspec = getattr(item, "callspec", None)
    spec = callspec.params.get("node") if callspec else None
    if isinstance(spec, inventory_mod.Host):
        for req_id in _req_ids(item):
            for key in (req_id, f"{req_id}:{getattr(item, 'originalname', item.name)}"):
                if key in spec.waivers:
                    pytest.skip(f"{key} is waived on {spec.name}: {spec.waivers[key]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    if _is_check(item):
        item.stash[_EVIDENCE] = evidence.begin()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    if not _is_check(item):
        return report
    outcome, message = _classify(report, call)
    unobserved = call.excinfo is not None and call.excinfo.errisinstance((ObservationError, ConfigError))
    if outcome is Outcome.ERROR and unobserved and not item.config.option.orion_tracebacks:
        report.longrepr = f"{item.nodeid}: {redact.text(message)}"
    elif report.failed and report.longrepr is not None:
        report.longrepr = redact.text(str(report.longrepr))  # a traceback may quote a secret a probe saw
    callspec = getattr(item, "callspec", None)
    host = None
    if callspec is not None:
        param = callspec.params.get("node", callspec.params.get("stack"))
        host = getattr(param, "name", param)
    ev = item.stash.get(_EVIDENCE, None)
    report.user_properties.append(("orion", {
        "when": report.when, "outcome": outcome.value, "message": redact.text(message),
        "req": _req_ids(item), "host": host, "evidence": ev.as_dict() if ev else {},
        "cadence": _marker_of(item, Cadence), "kind": _marker_of(item, Kind),
    }))  # fmt: skip
    return report


def _marker_of(item: pytest.Item, vocabulary: type[Cadence] | type[Kind]) -> str | None:
    return next((v.value for v in vocabulary if item.get_closest_marker(v.value)), None)


def _classify(report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[Outcome, str]:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr or "")
        return Outcome.SKIPPED, reason.removeprefix("Skipped: ")
    if report.passed:
        return Outcome.PASSED, ""
    excinfo = call.excinfo
    if excinfo is None:
        return Outcome.ERROR, "failed without an exception"
    if report.when == "call" and excinfo.errisinstance(AssertionError):
        return Outcome.FAILED, _first_line(excinfo.value) or "assertion failed"
    if excinfo.errisinstance((ObservationError, ConfigError)):
        return Outcome.ERROR, _first_line(excinfo.value)
    return Outcome.ERROR, f"the check broke: {excinfo.typename}: {_first_line(excinfo.value)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """A check that could not observe shows as ERROR, not FAILED, whichever phase it broke in."""
    data = _orion_data(report)
    if data and report.when == "call" and data["outcome"] == Outcome.ERROR.value:
        return "error", "E", "ERROR"
    return None


def _orion_data(report: pytest.TestReport) -> dict[str, Any] | None:
    return next((value for key, value in getattr(report, "user_properties", ()) if key == "orion"), None)


# --- end of run ---------------------------------------------------------------------------------


def exit_code(summary: dict[str, int], other_failures: int = 0) -> int:
    """0 all passed or remediated; 1 failures remain; 3 nothing failed but some checks could not run."""
    if summary["failed"] or other_failures:
        return 1
    if summary["error"]:
        return EXIT_UNOBSERVED
    return 0
