"""The deterministic digest of a run: what a person reads first, on a phone, in one Telegram message.

A headline (all green, or N requirements failing and M of them critical), then the new failures with their
evidence and remediation, the recoveries, what still fails and since when, the escalations, and what could not
be observed or was skipped (reports/digest.*.j2). It fits one message: at most 4096 characters after Telegram's
entity parsing, in HTML parse mode, every value escaped. What does not fit becomes one "+N autres" line that
points to the full report; the items kept are the most important (orion.report.view.PRIORITY).

The same record and history always give the same digest: nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orion.report import entities, prefs, render, view
from orion.report.prefs import Thresholds

LIMIT = entities.LIMIT
telegram_length = entities.telegram_length


@dataclass(frozen=True)
class Digest:
    telegram_html: str  # one Telegram message, HTML parse mode, within LIMIT
    text: str  # the same, as plain text
    headline: str  # its first line, plain text
    changes: tuple[str, ...]  # requirement IDs newly failing, recovered or escalated since the previous run


def build_digest(
    state: Path,
    record: dict[str, Any],
    *,
    lang: str = "fr",
    report_path: str | None = None,
    thresholds: Thresholds | None = None,
) -> Digest:
    """The digest of `record` (a run record as in <state>/runs/<id>.json), its history read from `state`.

    `report_path` is where the full report is (the "+N autres" line names it; else the command that shows it).
    `thresholds` default to the record's inventory's (orion_alert_after, orion_resolve_after), else 1 and 2.
    """
    limits = thresholds or _thresholds(record)
    run = view.build(state, record, limits, lang)
    words = render.Words(lang)
    headline = _headline(run, words)
    where = report_path or f"orion report --run {run.run_id}"
    order = sorted(range(len(run.items)), key=lambda i: view.PRIORITY.index(run.items[i].category))

    def html_with(kept: int) -> tuple[str, list[view.Item], int]:
        chosen = set(order[:kept])
        items = [item for i, item in enumerate(run.items) if i in chosen]
        hidden = len(run.items) - len(items)
        text = render.render("digest.html.j2", "html", lang, run=run, items=items, hidden=hidden, where=where,
                             headline=headline)  # fmt: skip
        return text, items, hidden

    kept = len(order)
    html_text, items, hidden = html_with(kept)
    if telegram_length(html_text) > LIMIT:
        low, high = 0, kept - 1  # the largest number of items that fits; 0 always fits
        while low < high:
            mid = (low + high + 1) // 2
            if telegram_length(html_with(mid)[0]) <= LIMIT:
                low = mid
            else:
                high = mid - 1
        html_text, items, hidden = html_with(low)
    text = render.render("digest.txt.j2", "text", lang, run=run, items=items, hidden=hidden, where=where,
                         headline=headline)  # fmt: skip
    return Digest(html_text, text, headline, run.changes)


def headline_of(run: view.RunView, lang: str) -> str:
    return _headline(run, render.Words(lang))


def _headline(run: view.RunView, t: render.Words) -> str:
    failing = len(run.failing)
    if failing:
        line = "🔴 " + t("failing", n=failing)
        if run.critical_failing:
            line += ", " + t("failing_critical", n=run.critical_failing)
        return line
    if run.unobserved:
        return "🟠 " + t("unobserved_only", n=run.unobserved)
    return "✅ " + t("green") + " · " + t("green_detail", n=run.summary.get("passed", 0))


def _thresholds(record: dict[str, Any]) -> Thresholds:
    path = record.get("inventory")
    if not path or not Path(str(path)).exists():
        return Thresholds()
    return prefs.load(str(path))[0].thresholds
