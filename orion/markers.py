"""What a check's markers say: its requirements, cadence, kind and node, read the same way by the plugin and the
matrix, and what is wrong with them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orion import catalogue as catalogue_mod
from orion.catalogue import Cadence, Catalogue, Kind

CHECKS_DIR = catalogue_mod.DEFAULT_PATH.parent

#: Registered with pytest (`--strict-markers` turns a typo into an error).
MARKERS = {
    "req(*ids)": "the requirement IDs (checks/requirements.yml) that this check proves",
    "on(node)": "only on this node (cortex or synapse), when the requirement spans both but the check does not",
    **{c.value: f"cadence: {c.value}" for c in Cadence},
    **{k.value: f"kind: {k.value}" for k in Kind},
}


@dataclass(frozen=True)
class Marks:
    """The markers of one check (or of a test function before parametrisation)."""

    req: tuple[str, ...]
    cadences: tuple[str, ...]
    kinds: tuple[str, ...]
    only_on: str | None

    @classmethod
    def of(cls, node: Any) -> Marks:
        """Read from a pytest Item or FunctionDefinition (anything with `iter_markers`/`get_closest_marker`)."""
        on = node.get_closest_marker("on")
        return cls(
            req=tuple(str(i) for mark in node.iter_markers("req") for i in mark.args),
            cadences=tuple(c.value for c in Cadence if node.get_closest_marker(c.value)),
            kinds=tuple(k.value for k in Kind if node.get_closest_marker(k.value)),
            only_on=str(on.args[0]) if on and on.args else None,
        )

    @property
    def cadence(self) -> str | None:
        return self.cadences[0] if self.cadences else None

    @property
    def kind(self) -> str | None:
        return self.kinds[0] if self.kinds else None

    def problems(self, catalogue: Catalogue) -> list[str]:
        """Why these markers do not make a valid check, in words that name the fix."""
        problems = []
        if not self.req:
            problems.append("no requirement: mark it @pytest.mark.req('ID')")
        for req_id in self.req:
            if req_id not in catalogue:
                problems.append(f"unknown requirement {req_id!r} (not in {catalogue.path.name})")
            elif catalogue[req_id].status == "future":
                problems.append(f"requirement {req_id} is `future`: it takes no check until V2")
        for found, vocabulary, name in ((self.cadences, Cadence, "cadence"), (self.kinds, Kind, "kind")):
            if len(found) != 1:
                choices = "|".join(v.value for v in vocabulary)
                problems.append(f"needs exactly one {name} marker ({choices}), has {list(found) or 'none'}")
        only = self.only_on
        if only is not None and (
            only not in catalogue_mod.NODES or not any(only in catalogue[r].nodes for r in self.req if r in catalogue)
        ):
            problems.append(f"on({only!r}) is not a node of its requirement")
        if Kind.DISRUPTIVE.value in self.kinds and Cadence.CRITICAL.value in self.cadences:
            problems.append("a disruptive check is never critical")
        return problems


def is_check(item: Any) -> bool:
    """A test is a check when it carries `req(...)` or lives under checks/."""
    return item.get_closest_marker("req") is not None or CHECKS_DIR in Path(item.path).parents
