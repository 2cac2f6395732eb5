"""The terminal view of a run: one line per requirement, grouped by domain, then a summary."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from orion.catalogue import Catalogue, Domain
from orion.outcomes import Outcome, worst
from orion.record import CheckResult

STYLE = {Outcome.PASSED: "green", Outcome.FAILED: "bold red", Outcome.ERROR: "yellow", Outcome.SKIPPED: "dim"}
SHORT = 90


@dataclass(frozen=True)
class Row:
    req: str
    title: str
    outcome: Outcome
    detail: str


def rows(results: list[CheckResult], catalogue: Catalogue) -> dict[Domain, list[Row]]:
    """Requirements that had checks in this run, each with its worst outcome and the evidence in short."""
    by_req: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        for req in result.req:
            by_req[req].append(result)
    grouped: dict[Domain, list[Row]] = defaultdict(list)
    for requirement in catalogue:
        checks = by_req.get(requirement.id)
        if not checks:
            continue
        outcome = worst([c.outcome for c in checks])
        grouped[requirement.domain].append(Row(requirement.id, requirement.title, outcome, _detail(checks, outcome)))
    return grouped


def _detail(checks: list[CheckResult], outcome: Outcome) -> str:
    bad = [c for c in checks if c.outcome == outcome]
    if outcome == Outcome.PASSED:
        passed = sum(1 for c in checks if c.outcome == Outcome.PASSED)
        skipped = f", {len(checks) - passed} skipped" if len(checks) > passed else ""
        return f"{passed} check{'s' if passed > 1 else ''} passed{skipped}"
    first = bad[0]
    where = f"{first.host}: " if first.host else ""
    more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
    text = f"{where}{first.message}".replace("\n", " ")
    return (text[: SHORT - 1] + "…" if len(text) > SHORT else text) + more


def summary_line(results: list[CheckResult], requirements: int) -> str:
    counts = {o: sum(1 for r in results if r.outcome == o) for o in Outcome}
    parts = " · ".join(f"{o.value} {counts[o]}" for o in Outcome)
    return f"Orion: {requirements} requirements, {len(results)} checks — {parts}"


def render(results: list[CheckResult], catalogue: Catalogue, *, rich: bool, width: int = 100) -> str:
    grouped = rows(results, catalogue)
    total = sum(len(r) for r in grouped.values())
    if rich:
        return _rich(grouped, summary_line(results, total), width)
    lines = []
    for domain, domain_rows in grouped.items():
        lines.append(f"{domain.value.upper()}")
        for row in domain_rows:
            lines.append(f"  {row.req:<9} {row.outcome.value.upper():<7} {row.title[:48]:<48}  {row.detail}")
    lines.append(summary_line(results, total))
    return "\n".join(lines) + "\n"


def _rich(grouped: dict[Domain, list[Row]], summary: str, width: int) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=width)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("requirement", "outcome", "title", "evidence"):
        table.add_column(column, overflow="fold" if column == "evidence" else "ellipsis")
    for domain, domain_rows in grouped.items():
        table.add_row(f"[bold]{domain.value.upper()}[/]", "", "", "")
        for row in domain_rows:
            table.add_row(f"  {row.req}", f"[{STYLE[row.outcome]}]{row.outcome.value}[/]", row.title, row.detail)
    console.print(table)
    console.print(summary)
    return buffer.getvalue()
