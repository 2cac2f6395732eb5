"""Fixtures built from the inventory: the node over SSH, its services over HTTP, its Docker engine, its stack.

Host facts have their own module (facts.py). A service the inventory does not name cannot be observed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from orion import inventory as inventory_mod
from orion.catalogue import Catalogue
from orion.errors import ConfigError
from orion.outcomes import CannotObserve
from orion.plugin.run import run_of
from orion.probes.compose import Stack
from orion.probes.docker import DockerNode
from orion.probes.ssh import RemoteHost

if TYPE_CHECKING:
    from orion.probes.http import ServiceClient


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Keep testinfra's own plugin out: its `host` fixture comes from --hosts, Orion's from the inventory.

    Blocking works when Orion loads first; when testinfra loaded first, Orion's later fixture wins anyway.
    """
    pluginmanager.set_blocked("pytest11.testinfra")


@pytest.fixture(scope="session")
def catalogue(request: pytest.FixtureRequest) -> Catalogue:
    return run_of(request.config).catalogue


@pytest.fixture(scope="session")
def inventory(request: pytest.FixtureRequest) -> inventory_mod.Inventory:
    return run_of(request.config).inventory


@pytest.fixture
def host(request: pytest.FixtureRequest, node: inventory_mod.Host) -> RemoteHost:
    """The node over SSH: one connection per host for the whole run."""
    return run_of(request.config).probes.remote(node)


@pytest.fixture
def http(request: pytest.FixtureRequest, node: inventory_mod.Host) -> Callable[[str], ServiceClient]:
    """`http("prometheus")`: this node's client for a service of the inventory, shared by the run."""
    probes = run_of(request.config).probes

    def client(name: str) -> ServiceClient:
        if name not in node.services:
            raise CannotObserve(f"{node.name}: the inventory has no service {name!r} (orion_services)")
        return probes.client(node, name)

    return client


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Callable[[str], ServiceClient]:
    """`service("prometheus")`: the client of a service wherever the inventory places it (one host)."""
    run = run_of(request.config)

    def client(name: str) -> ServiceClient:
        found = run.inventory.service(name)
        if found is None:
            raise CannotObserve(f"the inventory has no service {name!r} (orion_services)")
        return run.probes.client(found[0], name)

    return client


@pytest.fixture
def docker_node(request: pytest.FixtureRequest, node: inventory_mod.Host) -> DockerNode:
    """This node's containers, through the Docker endpoint and compose project of the inventory."""
    return run_of(request.config).probes.docker(node)


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Stack:
    """The compose model of stacks/<node>/ for static checks."""
    try:
        return run_of(request.config).probes.stack(request.param)
    except ConfigError as exc:
        raise CannotObserve(str(exc)) from None
