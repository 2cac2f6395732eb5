"""The requirement matrix: for each requirement, its checks, kinds, proof level, remediation and lab faults."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from orion import PROJECT_ROOT
from orion.catalogue import Cadence, Catalogue, Kind, Requirement
from orion.markers import Marks


@dataclass
class Row:
    id: str
    title: str
    domain: str
    node: str
    cadence: str
    status: str
    checks: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    cadences: list[str] = field(default_factory=list)
    proof: str = "none"
    remediation: str | None = None
    faults: list[str] = field(default_factory=list)
    note: str | None = None


class _Collector:
    """Sees every check before any selection, so the matrix lists them all without an inventory."""

    def __init__(self) -> None:
        self.checks: dict[str, list[tuple[str, str | None, str | None]]] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            name, marks = item.nodeid.split("[")[0], Marks.of(item)
            for req_id in dict.fromkeys(marks.req):
                entries = self.checks.setdefault(req_id, [])
                if (name, marks.kind, marks.cadence) not in entries:
                    entries.append((name, marks.kind, marks.cadence))


def collect(catalogue: Catalogue) -> list[Row]:
    collector = _Collector()
    args = [
        "--collect-only",
        "-p",
        "no:terminal",
        "--orion-offline",
        f"--rootdir={PROJECT_ROOT}",
        str(PROJECT_ROOT / "checks"),
    ]
    code = pytest.main(args, plugins=[collector])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise RuntimeError(f"collecting the checks failed (pytest exit {code})")
    return [_row(req, collector.checks.get(req.id, [])) for req in catalogue]


def _row(req: Requirement, checks: list[tuple[str, str | None, str | None]]) -> Row:
    kinds = sorted({k for _, k, _ in checks if k}, key=[k.value for k in Kind].index)
    cadences = sorted({c for _, _, c in checks if c}, key=[c.value for c in Cadence].index)
    row = Row(
        id=req.id, title=req.title, domain=req.domain.value, node=req.node, cadence=req.cadence.value,
        status=req.status, checks=[n for n, _, _ in checks], kinds=kinds, cadences=cadences,
        remediation=_remediation(req), faults=list(req.faults), note=req.reason or req.gap,
    )  # fmt: skip
    row.proof = proof_level(req, kinds)
    return row


def _remediation(req: Requirement) -> str | None:
    """Its catalogue entries (remediations/catalog.yml), or `never: reason`."""
    if never := req.remediation_never:
        return f"never: {never}"
    return ", ".join(req.remediations) or None


def proof_level(req: Requirement, kinds: list[str]) -> str:
    """future | none | static | lab-real | lab-standin | unproven (live checks that no lab fault has turned red)."""
    if req.status == "future":
        return "future"
    if not kinds:
        return "none"
    if kinds == [Kind.STATIC.value]:
        return "static"
    if req.faults:
        return "lab-standin" if req.standin else "lab-real"
    return "unproven"


def as_json(rows: list[Row]) -> str:
    return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False) + "\n"


def as_markdown(rows: list[Row]) -> str:
    lines = [
        "| ID | title | node | checks | kinds | proof | remediation | lab faults | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells: list[Any] = [
            r.id, r.title, r.node, len(r.checks) or "**none**", ", ".join(r.kinds) or "—", r.proof,
            r.remediation or "—", ", ".join(r.faults) or "—", (r.note or "").replace("|", "/"),
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    without = sum(1 for r in rows if not r.checks and r.status == "active")
    lines.append("")
    lines.append(f"{len(rows)} requirements; {without} active ones have no check yet.")
    return "\n".join(lines) + "\n"
