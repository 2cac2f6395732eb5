"""One run as a person reads it: its requirements sorted into categories, each with its evidence and remediation.

Built from the run record (the authority for its run) and the history before it (orion.report.history_view);
the templates (reports/*.j2) only lay it out. Nothing here reads the clock: the same record and history give the
same view, and so the same digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from orion import catalogue as catalogue_mod
from orion import redact
from orion.errors import ConfigError
from orion.report import history_view
from orion.report.prefs import Thresholds

#: The order in which items are kept when the message is too long (the digest shows them in SECTIONS order).
PRIORITY = ("new", "escalated", "still", "pending", "recovered", "remediated", "recovering", "unobserved", "skipped")
#: The order of the sections in every report.
SECTIONS = ("new", "pending", "remediated", "recovered", "recovering", "still", "escalated", "unobserved", "skipped")
FAILING = ("new", "still", "pending")
TEXT_LIMIT = 220  # characters of one evidence value in a report


@dataclass(frozen=True)
class Item:
    category: str
    req: str
    title: str = ""
    critical: bool = False
    hosts: tuple[str, ...] = ()
    checks: int = 1
    message: str = ""
    observed: str = ""
    expected: str = ""
    source: str = ""
    remediation: dict[str, Any] = field(default_factory=dict)
    since: str | None = None
    flapping: bool = False
    streak: str = ""  # e.g. "1/2" passes of the 2 needed to resolve
    reqs: tuple[str, ...] = ()  # the skipped requirements that share one reason


@dataclass(frozen=True)
class RunView:
    run_id: str
    started: str
    finished: str
    summary: dict[str, int]
    items: tuple[Item, ...]
    changes: tuple[str, ...]
    flapping: tuple[str, ...]
    limits: Thresholds
    timelines: dict[str, tuple[history_view.Observation, ...]] = field(default_factory=dict)
    tracks: dict[str, history_view.Track] = field(default_factory=dict)

    def of(self, category: str) -> list[Item]:
        return [i for i in self.items if i.category == category]

    @property
    def failing(self) -> list[Item]:
        return [i for i in self.items if i.category in FAILING]

    @property
    def critical_failing(self) -> int:
        return sum(i.critical for i in self.failing)

    @property
    def unobserved(self) -> int:
        return len(self.of("unobserved"))


@cache
def _catalogue() -> catalogue_mod.Catalogue | None:
    try:
        return catalogue_mod.load()
    except ConfigError:
        return None


def title_of(req: str, lang: str) -> str:
    cat = _catalogue()
    if cat is None or req not in cat:
        return ""
    return cat[req].title_fr if lang == "fr" else cat[req].title


def is_critical(req: str, checks: list[dict[str, Any]]) -> bool:
    if any(c.get("cadence") == "critical" for c in checks):
        return True
    cat = _catalogue()
    return cat is not None and req in cat and cat[req].cadence.value == "critical"


def short(value: Any, limit: int = TEXT_LIMIT) -> str:
    """One line of evidence: lists joined, whitespace folded, cut at `limit`, redacted."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict) and not value:
        return "[]" if not isinstance(value, dict) else "{}"
    if isinstance(value, list | tuple):
        text = "; ".join(short(v, limit) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {short(v, limit)}" for k, v in value.items())
    else:
        text = str(value)
    text = " ".join(redact.text(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build(state: Path, record: dict[str, Any], limits: Thresholds, lang: str = "fr", keep: int = 0) -> RunView:
    """The view of `record`; `keep`: at least this many previous runs per requirement in `timelines`."""
    # Every text an item shows goes through short(), which masks secrets again: a record written by hand, or an
    # older one, is safe too.
    keep = history_view.keep_for(limits, keep)
    timelines = history_view.timelines_for_run(state, record, keep)
    tracks = history_view.replay(timelines, limits)
    history_view.backfill(state, timelines, tracks, keep)
    by_req: dict[str, list[dict[str, Any]]] = {}
    for check in record.get("checks", []):
        for rid in check.get("req") or []:
            by_req.setdefault(rid, []).append(check)
    items: list[Item] = []
    for rid, checks in by_req.items():
        item = _item(rid, checks, tracks[rid], limits, lang)
        if item is not None:
            items.append(item)
    escalations = history_view.escalations_in(state, record.get("run_id"))
    items += [_escalation(r, lang, by_req.get(r.req, [])) for r in escalations]
    items += _skipped(by_req)
    items.sort(key=lambda i: (SECTIONS.index(i.category), not i.critical, i.req))
    changes = [i.req for i in items if i.category in ("new", "recovered", "escalated")]
    return RunView(
        run_id=short(record.get("run_id", ""), 60),
        started=short(record.get("started", ""), 40),
        finished=short(record.get("finished", ""), 40),
        summary=_summary(record),
        items=tuple(items),
        changes=tuple(dict.fromkeys(changes)),
        flapping=tuple(sorted(short(rid, 40) for rid, t in tracks.items() if t.flapping)),
        limits=limits,
        timelines={rid: tuple(seen) for rid, seen in timelines.items()},
        tracks=tracks,
    )


def _summary(record: dict[str, Any]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0, "remediated": 0}
    for check in record.get("checks", []):
        outcome = check.get("outcome")
        if outcome in counts:
            counts[outcome] += 1
        counts["remediated"] += (check.get("remediation") or {}).get("status") == "remediated"
    counts["total"] = sum(counts[k] for k in ("passed", "failed", "error", "skipped"))
    return counts


def _item(
    rid: str, checks: list[dict[str, Any]], track: history_view.Track, limits: Thresholds, lang: str
) -> Item | None:
    status = track.status
    fixed = [c for c in checks if c.get("outcome") == "failed" and _rem(c).get("status") == "remediated"]
    if status in ("recovering", "ok") and fixed and track.state == history_view.GOOD:
        status = "remediated"
    if status == "unknown":
        status = "unobserved" if any(c.get("outcome") == "error" for c in checks) else "skip-only"
    if status in ("ok", "skip-only"):
        return None
    if status in FAILING:
        shown = [c for c in checks if c.get("outcome") == "failed" and _rem(c).get("status") != "remediated"]
    elif status == "remediated":
        shown = fixed
    elif status == "unobserved":
        shown = [c for c in checks if c.get("outcome") == "error"]
    else:
        shown = [c for c in checks if c.get("outcome") == "passed"] or checks
    first = shown[0] if shown else {}
    evidence = first.get("evidence") or {}
    streak = ""
    if status == "pending":
        streak = f"{track.bad_streak}/{limits.alert_after}"
    elif status == "recovering":
        streak = f"{track.good_streak}/{limits.resolve_after}"
    return Item(
        category=status,
        req=short(rid, 40),
        title=title_of(rid, lang),
        critical=is_critical(rid, checks),
        hosts=tuple(dict.fromkeys(short(c["host"], 60) for c in shown if c.get("host"))),
        checks=len(shown),
        message=short(first.get("message"), 300),
        observed=short(evidence.get("observed")) if "observed" in evidence else "",
        expected=short(evidence.get("expected")) if "expected" in evidence else "",
        source=short(evidence.get("source"), 160),
        remediation=_remediation(shown),
        since=track.since if status in FAILING else None,
        flapping=track.flapping,
        streak=streak,
    )


def _rem(check: dict[str, Any]) -> dict[str, Any]:
    return check.get("remediation") or {}


def _remediation(checks: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The remediation of the first check that has one: id, status, attempts, a short reason."""
    rem = next((_rem(c) for c in checks if _rem(c)), {})
    if not rem:
        return {}
    return {
        "id": short(rem.get("id") or "", 60),
        "status": short(rem.get("status") or "", 30),
        "attempts": rem.get("attempts") if isinstance(rem.get("attempts"), int) else 0,
        "reason": short(rem.get("reason") or "", 200),
    }


def _escalation(row: history_view.Remediation, lang: str, checks: list[dict[str, Any]]) -> Item:
    return Item(
        category="escalated",
        req=short(row.req, 40),
        title=title_of(row.req, lang),
        critical=is_critical(row.req, checks),
        hosts=(short(row.host, 60),),
        message=short(row.reason, 300),
        remediation={"id": row.entry, "status": "escalated", "attempts": 0, "reason": short(row.reason, 200)},
    )


def _skipped(by_req: dict[str, list[dict[str, Any]]]) -> list[Item]:
    """Skipped checks, one item per reason, with the requirements that share it."""
    reasons: dict[str, list[str]] = {}
    for rid, checks in by_req.items():
        for check in checks:
            if check.get("outcome") == "skipped":
                reason = short(check.get("message") or "", 200)
                if rid not in reasons.setdefault(reason, []):
                    reasons[reason].append(rid)
    return [
        Item(
            category="skipped",
            req=short(reqs[0], 40),
            reqs=tuple(sorted(short(r, 40) for r in reqs)),
            message=reason,
            checks=len(reqs),
        )
        for reason, reqs in reasons.items()
    ]
