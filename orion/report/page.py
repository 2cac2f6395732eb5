"""Orion's own HTML report of a run: one self-contained page (no script, no external file) with the summary, each
requirement's status and checks, their evidence, and a sparkline of its recent history as inline SVG.

Written next to the run record, `<state>/runs/<run_id>.html`, and copied to `<state>/runs/latest.html` for the
newest run: by every check run (orion/plugin/report_page.py) and every `orion report`.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from orion import redact
from orion.record import write_atomic
from orion.report import digest, history_view, render, view
from orion.report.prefs import Thresholds

SPARK_RUNS = 40  # observations a sparkline shows, newest on the right
_COLOURS = {history_view.BAD: "#d0312d", history_view.GOOD: "#2e9e44", history_view.UNKNOWN: "#b0b0b0"}


@dataclass(frozen=True)
class Row:
    req: str
    title: str
    status: str  # a view category, or "ok"
    critical: bool
    checks: list[dict[str, Any]]
    spark: Markup


def path_for(state: Path, run_id: str) -> Path:
    return state / "runs" / f"{re.sub(r'[^0-9A-Za-z_.-]', '_', run_id).lstrip('.') or 'run'}.html"


def sparkline(seen: tuple[history_view.Observation, ...] | list[history_view.Observation]) -> Markup:
    """Inline SVG: one bar per run (red bad, green good, grey not observed), newest on the right."""
    shown = list(seen)[-SPARK_RUNS:]
    bars = []
    for n, obs in enumerate(shown):
        height = 14 if obs.state == history_view.BAD else 8 if obs.state == history_view.GOOD else 4
        tip = html.escape(f"{render.when(obs.at)} {obs.run_id}: {obs.state}")
        bars.append(f'<rect x="{n * 4}" y="{16 - height}" width="3" height="{height}" '
                    f'fill="{_COLOURS[obs.state]}"><title>{tip}</title></rect>')  # fmt: skip
    width = max(4 * len(shown), 4)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="16" role="img" '
                  f'viewBox="0 0 {width} 16">{"".join(bars)}</svg>')  # fmt: skip


def build(state: Path, record: dict[str, Any], *, lang: str = "fr", thresholds: Thresholds | None = None) -> str:
    record = redact.data(record)
    run = view.build(state, record, thresholds or Thresholds(), lang, keep=SPARK_RUNS)
    categories = {i.req: i.category for i in run.items if i.category != "skipped"}
    by_req: dict[str, list[dict[str, Any]]] = {}
    for check in record.get("checks", []):
        for rid in check.get("req") or []:
            by_req.setdefault(rid, []).append(check)
    rows = []
    for rid, checks in by_req.items():
        status = categories.get(rid) or ("skipped" if all(c.get("outcome") == "skipped" for c in checks) else "ok")
        rows.append(Row(rid, view.title_of(rid, lang), status, view.is_critical(rid, checks), checks,
                        sparkline(run.timelines.get(rid, ()))))  # fmt: skip
    order = ("new", "pending", "still", "escalated", "unobserved", "remediated", "recovered", "recovering", "ok",
             "skipped")  # fmt: skip
    rows.sort(key=lambda r: (order.index(r.status), not r.critical, r.req))
    return render.render("page.html.j2", "html", lang, run=run, rows=rows, headline=digest.headline_of(run, lang),
                         items=list(run.items), short=view.short)  # fmt: skip


def write(state: Path, record: dict[str, Any], *, lang: str = "fr", thresholds: Thresholds | None = None) -> Path:
    """Write the page of `record` next to it (and latest.html when it is the newest run); its path."""
    text = build(state, record, lang=lang, thresholds=thresholds)
    run_id = str(record.get("run_id", "run"))
    path = path_for(state, run_id)
    _atomic(path, text)
    latest = state / "runs" / "latest.json"
    try:
        is_latest = latest.exists() and _run_id_of(latest) == run_id
    except (OSError, ValueError):
        is_latest = False
    if is_latest:
        _atomic(state / "runs" / "latest.html", text)
    return path


def _run_id_of(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8")).get("run_id"))


def _atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
