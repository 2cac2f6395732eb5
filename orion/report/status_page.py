"""Orion's status page: the latest run, the requirement matrix and the history, on one self-contained page.

`orion serve` builds it on every request from the state dir (run records, history.sqlite) and the catalogue, so it
is never staler than the latest run. Like the run page it has no script and no external file.
"""

from __future__ import annotations

from pathlib import Path

from orion import catalogue, matrix, redact
from orion.errors import ConfigError
from orion.remediate import runs
from orion.report import digest, history_view, page, render, view
from orion.report.prefs import Thresholds

HISTORY_SINCE_DAYS = 7


def build(state: Path, *, lang: str = "fr", thresholds: Thresholds | None = None, now: str | None = None) -> str:
    """The page as HTML. A missing or unreadable source is said on the page; it never fails the whole page."""
    limits = thresholds or Thresholds()
    run, headline, rows, problem = None, "", [], None
    try:
        record = runs.load(state, "latest")
    except (ValueError, OSError) as exc:
        record, problem = None, str(exc)
    if record is not None:
        record = redact.data(record)
        run = view.build(state, record, limits, lang, keep=page.SPARK_RUNS)
        headline = digest.headline_of(run, lang)
        rows = [i for i in run.items if i.category != "skipped"]
    try:
        matrix_rows: list[matrix.Row] = matrix.collect(catalogue.load())
        matrix_problem = None
    except (ConfigError, RuntimeError) as exc:
        matrix_rows, matrix_problem = [], str(exc)
    since = _since(now)
    history = history_view.summarise(state, limits, since=since)
    return render.render(
        "status.html.j2", "html", lang, run=run, headline=headline, items=rows, problem=problem,
        sparks={rid: page.sparkline(seen) for rid, seen in (run.timelines.items() if run else ())},
        matrix=matrix_rows, matrix_problem=matrix_problem, history=history, since=since,
        proofs=counts(matrix_rows), short=view.short, title=lambda rid: view.title_of(rid, lang), state=str(state),
    )  # fmt: skip


def _since(now: str | None) -> str:
    from orion.report.command import since_of

    moment = history_view.parse(now) if now else None
    return since_of(f"{HISTORY_SINCE_DAYS}d", moment)


def counts(rows: list[matrix.Row]) -> dict[str, int]:
    """Requirements per proof level, for the matrix's summary line."""
    out: dict[str, int] = {}
    for row in rows:
        out[row.proof] = out.get(row.proof, 0) + 1
    return out
