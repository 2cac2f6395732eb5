"""Orion's own records: the latest run, the check history (<state>/history.sqlite: orion/history.py) and the
remediation audit log (<state>/remediation.jsonl: orion/remediate/audit.py). Read-only."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orion import history
from orion.assistant.tools.base import Result, SourceDown
from orion.remediate import audit, runs


def latest_run(state: Path) -> Result:
    body = runs.load(state)
    if body is None:
        raise SourceDown("runs", f"no run record in {state / 'runs'}: `orion check` has not run yet")
    return Result("checks.latest_run", body, f"run {body.get('run_id')}")


def runs_between(state: Path, start: datetime, end: datetime) -> Result:
    """The check runs that started in [start, end] with their counts (history.sqlite)."""
    rows = _rows(state, "SELECT run_id, started, selection, passed, failed, error, remediated FROM runs "
                 "WHERE started >= ? AND started <= ? ORDER BY started", (_iso(start), _iso(end)))  # fmt: skip
    return Result("checks.runs", rows, f"history.sqlite runs {start:%d/%m %H:%M}–{end:%d/%m %H:%M}")


def requirement(state: Path, req: str, limit: int = 20) -> Result:
    """One requirement's recent results (newest first) and when it first failed in its current streak."""
    rows = _rows(state, "SELECT r.run_id, runs.started, r.nodeid, r.host, r.outcome, r.message, r.remediation "
                 "FROM results r JOIN runs ON runs.run_id = r.run_id WHERE r.req = ? "
                 "ORDER BY runs.started DESC LIMIT ?", (req, limit))  # fmt: skip
    return Result("checks.history", rows, f"history.sqlite {req}")


def remediations(state: Path, start: datetime | None = None, end: datetime | None = None,
                 req: str | None = None) -> Result:  # fmt: skip
    """Remediation audit events (optionally in [start, end] and for one requirement), oldest first."""
    events = []
    for event in audit.read(state):
        at = _parse(str(event.get("at", "")))
        if start and (at is None or at < start):
            continue
        if end and (at is None or at > end):
            continue
        if req and req not in (event.get("req"), *(event.get("reqs") or [])):
            continue
        events.append(event)
    return Result("checks.remediations", events, f"{audit.AUDIT_NAME}" + (f" {req}" if req else ""))


def _rows(state: Path, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    if not (state / "history.sqlite").exists():
        return []
    try:
        db = history.connect(state)
        try:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(sql, args)]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise SourceDown("history.sqlite", str(exc)) from None


def _iso(when: datetime) -> str:
    """As run records write times (UTC, `…Z`), so that SQLite compares strings of one shape."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _parse(stamp: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()
