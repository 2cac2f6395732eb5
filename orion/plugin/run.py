"""What one run shares: its catalogue, inventory and probes, found through `run_of(config)`."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from orion import catalogue as catalogue_mod
from orion import inventory as inventory_mod
from orion.catalogue import Catalogue
from orion.errors import ConfigError
from orion.plugin.pool import ProbePool
from orion.state import state_dir

EXIT_CONFIG = 2
EXIT_UNOBSERVED = 3
_RUN = pytest.StashKey["Run"]()


class Run:
    """The catalogue and inventory (loaded on first use), the nodes a check runs on, and the probe pool."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._inventory: inventory_mod.Inventory | None = None
        self._catalogue: Catalogue | None = None
        self.out_of_scope: set[str] = set()  # checks whose requirement has no node in this run's scope

    @cached_property
    def state(self) -> Path:
        return state_dir(self.config.option.orion_state_dir)

    @cached_property
    def probes(self) -> ProbePool:
        return ProbePool(self.state)

    @property
    def worker(self) -> bool:
        """Whether this process is an xdist worker (the controller writes the record)."""
        return hasattr(self.config, "workerinput")

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = or_exit(catalogue_mod.load)
        return self._catalogue

    @property
    def inventory(self) -> inventory_mod.Inventory:
        """The inventory, loaded on first use; raises ConfigError."""
        if self._inventory is None:
            self._inventory = inventory_mod.load(self.config.option.orion_inventory)
        return self._inventory

    @property
    def inventory_path(self) -> str | None:
        """The inventory's path when this run loaded one."""
        return str(self._inventory.path) if self._inventory else None

    def hosts_for(self, req_ids: list[str] | tuple[str, ...], only: str | None = None) -> list[inventory_mod.Host]:
        hosts: dict[str, inventory_mod.Host] = {}
        for node in self.nodes_for(req_ids, only):
            hosts.update((h.name, h) for h in self.inventory.on(node))
        return list(hosts.values())

    def nodes_for(self, req_ids: list[str] | tuple[str, ...], only: str | None = None) -> list[str]:
        """The nodes a check runs on: its requirements' nodes, narrowed by `on(node)` and --orion-node."""
        wanted = self.config.option.orion_node
        nodes = {n for r in req_ids if r in self.catalogue for n in self.catalogue[r].nodes}
        return [n for n in catalogue_mod.NODES if n in nodes and wanted in (None, n) and only in (None, n)]

    def close(self) -> None:
        if "probes" in self.__dict__:
            self.probes.close()


def run_of(config: pytest.Config) -> Run:
    return config.stash[_RUN]


def or_exit(load: Callable[[], Any]) -> Any:
    """`load()`, or end the session with exit status 2 and the file:line of the bad input."""
    try:
        return load()
    except ConfigError as exc:
        pytest.exit(f"orion: {exc}", returncode=EXIT_CONFIG)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RUN] = Run(config)
