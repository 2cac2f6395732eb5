"""Queries over the history (<state>/history.sqlite): each requirement's timeline of runs, read the way Gatus reads
its endpoints, and what remediation did about it.

A requirement's state in a run is the worst of its checks there: `bad` when one failed and was not remediated,
`good` when they passed (or a remediation turned the failure green), `unknown` when Orion could not observe or
skipped (neither confirms nor denies: streaks go on through it). A requirement *alerts* after `alert_after` bad
runs in a row and *recovers* after `resolve_after` good runs in a row (orion.report.prefs); one alert is one
incident, from its first bad run to the first good run of the streak that resolved it (its time to fix).
A requirement *flaps* when its last runs turned between good and bad at least FLAP_TURNS times.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orion import history
from orion.report.prefs import Thresholds

BAD, GOOD, UNKNOWN = "bad", "good", "unknown"
#: Flapping: at least FLAP_TURNS turns between good and bad among the last FLAP_WINDOW observed runs.
FLAP_WINDOW = 10
FLAP_TURNS = 4
#: How many of a requirement's previous runs a run's report replays at least (keep_for: more for higher
#: thresholds); the start of an older streak is looked up.
KEEP = 16


@dataclass(frozen=True)
class Observation:
    run_id: str
    at: str  # the run's start, ISO 8601 UTC
    state: str  # bad | good | unknown


@dataclass(frozen=True)
class Incident:
    req: str
    start: str  # first bad run of the streak that alerted
    fixed: str | None = None  # first good run of the streak that resolved it; None while it lasts

    @property
    def time_to_fix_s(self) -> float | None:
        return None if self.fixed is None else (parse(self.fixed) - parse(self.start)).total_seconds()


@dataclass
class Track:
    """One requirement's timeline, replayed: where it stands after its last observation."""

    req: str
    alerting: bool = False
    bad_streak: int = 0
    good_streak: int = 0
    event: str | None = None  # what the last observation did: "alert", "resolve" or None
    last: Observation | None = None
    incidents: list[Incident] = field(default_factory=list)
    turns: list[bool] = field(default_factory=list)  # for each known observation: did the state turn?
    _streak_start: str | None = None
    _good_since: str | None = None
    _known: str | None = None

    def see(self, obs: Observation, limits: Thresholds) -> None:
        self.event, self.last = None, obs
        if obs.state == UNKNOWN:
            return
        self.turns = [*self.turns, self._known is not None and obs.state != self._known][-FLAP_WINDOW:]
        self._known = obs.state
        if obs.state == BAD:
            self.bad_streak, self.good_streak, self._good_since = self.bad_streak + 1, 0, None
            self._streak_start = self._streak_start or obs.at
            if not self.alerting and self.bad_streak >= limits.alert_after:
                self.alerting, self.event = True, "alert"
                self.incidents.append(Incident(self.req, self._streak_start))
        else:
            self.good_streak, self.bad_streak, self._streak_start = self.good_streak + 1, 0, None
            self._good_since = self._good_since or obs.at
            if self.alerting and self.good_streak >= limits.resolve_after:
                self.alerting, self.event = False, "resolve"
                self.incidents[-1] = Incident(self.req, self.incidents[-1].start, self._good_since)

    def begin_earlier(self, start: str) -> None:
        """The ongoing streak (and its incident) began at `start`, before the observations replayed."""
        if self._streak_start is not None:
            self._streak_start = min(self._streak_start, start)
        if self.alerting and self.incidents:
            self.incidents[-1] = Incident(self.req, min(self.incidents[-1].start, start))

    @property
    def state(self) -> str:
        return self.last.state if self.last else UNKNOWN

    @property
    def since(self) -> str | None:
        """When the ongoing incident began (or the ongoing bad streak, before it alerts)."""
        if self.alerting:
            return self.incidents[-1].start
        return self._streak_start

    @property
    def flapping(self) -> bool:
        return sum(self.turns) >= FLAP_TURNS

    @property
    def status(self) -> str:
        """new | still | pending | recovered | recovering | ok | unknown, after the last observation."""
        if self.event == "alert":
            return "new"
        if self.event == "resolve":
            return "recovered"
        if self.state == UNKNOWN:
            return "unknown"
        if self.alerting:
            return "still" if self.state == BAD else "recovering"
        return "pending" if self.state == BAD else "ok"

    @property
    def times_to_fix(self) -> list[float]:
        return [t for i in self.incidents if (t := i.time_to_fix_s) is not None]


def parse(stamp: str) -> datetime:
    value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def state_of(checks: Iterable[tuple[str, str | None]]) -> str:
    """A requirement's state in one run, from its checks' (outcome, remediation status)."""
    seen = list(checks)
    if any(o == "failed" and r != "remediated" for o, r in seen):
        return BAD
    if any(o == "error" for o, _ in seen):
        return UNKNOWN
    if any(o in ("passed", "failed") for o, _ in seen):
        return GOOD
    return UNKNOWN


#: A requirement's state in one run, computed by SQLite over its checks there (as state_of does in Python).
_STATE_SQL = (
    "CASE WHEN MAX(results.outcome = 'failed' AND COALESCE(results.remediation, '') != 'remediated') THEN 'bad' "
    "WHEN MAX(results.outcome = 'error') THEN 'unknown' "
    "WHEN MAX(results.outcome IN ('passed', 'failed')) THEN 'good' ELSE 'unknown' END"
)


def observations(
    db: sqlite3.Connection, req: str | None = None, since: str | None = None, before: str | None = None
) -> dict[str, list[Observation]]:
    """Each requirement's observations, oldest first: runs started at or after `since` and before `before`."""
    sql = (f"SELECT runs.run_id, runs.started, results.req, {_STATE_SQL} FROM results "
           "JOIN runs ON runs.run_id = results.run_id WHERE 1 = 1")  # fmt: skip
    args: list[Any] = []
    for clause, value in (("results.req = ?", req), ("runs.started >= ?", since), ("runs.started < ?", before)):
        if value is not None:
            sql += f" AND {clause}"
            args.append(value)
    sql += " GROUP BY runs.run_id, results.req ORDER BY runs.started, runs.run_id"
    found: dict[str, list[Observation]] = {}
    for run_id, started, rid, state in db.execute(sql, args):
        found.setdefault(rid, []).append(Observation(run_id, started, state))
    return found


def record_observations(record: dict[str, Any]) -> dict[str, Observation]:
    """One run record's own observation of each of its requirements."""
    checks: dict[str, list[tuple[str, str | None]]] = {}
    for check in record.get("checks", []):
        for rid in check.get("req") or []:
            status = (check.get("remediation") or {}).get("status")
            checks.setdefault(rid, []).append((check.get("outcome", "error"), status))
    at = record.get("started") or ""
    return {rid: Observation(record.get("run_id", ""), at, state_of(c)) for rid, c in checks.items()}


def replay(timelines: dict[str, list[Observation]], limits: Thresholds) -> dict[str, Track]:
    tracks = {}
    for rid, seen in timelines.items():
        track = tracks[rid] = Track(rid)
        for obs in seen:
            track.see(obs, limits)
    return tracks


def keep_for(limits: Thresholds, at_least: int = KEEP) -> int:
    """Enough previous runs that replaying them gives the same state as replaying the whole history."""
    return max(at_least, 2 * (limits.alert_after + limits.resolve_after) + FLAP_WINDOW)


def timelines_for_run(state: Path, record: dict[str, Any], keep: int = KEEP) -> dict[str, list[Observation]]:
    """Each requirement of `record`: its last `keep` observations in the history of the runs before it, then the
    record's own (the record is the authority for its run: its remediation results may be newer than the history).

    Only the recent runs are read, through the index on (req, run_id) (run IDs begin with their UTC start time), so
    that a digest stays fast over months of 5-minute runs; `tracks_for_run` finds the start of a streak older than
    that window with one more query."""
    own = record_observations(record)
    timelines: dict[str, list[Observation]] = {rid: [] for rid in own}
    if (state / "history.sqlite").exists():
        db = history.connect(state)
        try:
            for rid in own:
                timelines[rid] = recent(db, rid, record, keep)
        finally:
            db.close()
    for rid, obs in own.items():
        timelines[rid].append(obs)
    return timelines


def recent(db: sqlite3.Connection, req: str, record: dict[str, Any], keep: int) -> list[Observation]:
    """`req`'s last `keep` observations before `record`'s run, oldest first."""
    run_id, before = str(record.get("run_id") or ""), str(record.get("started") or "")
    sql = (f"SELECT runs.run_id, runs.started, {_STATE_SQL} FROM results "
           "JOIN runs ON runs.run_id = results.run_id WHERE results.req = ? AND results.run_id IN "
           "(SELECT DISTINCT run_id FROM results WHERE req = ? AND run_id != ?"
           + (" AND run_id < ?" if run_id else "") + " ORDER BY run_id DESC LIMIT ?)")  # fmt: skip
    args: list[Any] = [req, req, run_id, *([run_id] if run_id else []), keep]
    if before:
        sql, args = sql + " AND runs.started < ?", [*args, before]
    rows = db.execute(sql + " GROUP BY runs.run_id ORDER BY runs.started, runs.run_id", args)
    return [Observation(rid, started, state) for rid, started, state in rows]


def streak_start(db: sqlite3.Connection, req: str, before: str) -> str | None:
    """When `req`'s bad streak that is still going at `before` began: the first run after its last good one."""
    last_good = db.execute(
        "SELECT MAX(started) FROM (SELECT runs.started AS started FROM results JOIN runs ON runs.run_id = "
        "results.run_id WHERE results.req = ? AND runs.started < ? GROUP BY runs.run_id HAVING "
        "SUM(results.outcome = 'failed' AND COALESCE(results.remediation, '') != 'remediated') = 0 "
        "AND SUM(results.outcome IN ('passed', 'failed')) > 0)",
        (req, before),
    ).fetchone()[0]
    row = db.execute(
        "SELECT MIN(runs.started) FROM results JOIN runs ON runs.run_id = results.run_id "
        "WHERE results.req = ? AND runs.started > ? AND runs.started < ?",
        (req, last_good or "", before),
    ).fetchone()
    return row[0] if row else None


def tracks_for_run(state: Path, record: dict[str, Any], limits: Thresholds) -> dict[str, Track]:
    """Each requirement of `record`, replayed over its timeline (timelines_for_run)."""
    keep = keep_for(limits)
    timelines = timelines_for_run(state, record, keep)
    tracks = replay(timelines, limits)
    backfill(state, timelines, tracks, keep)
    return tracks


def backfill(state: Path, timelines: dict[str, list[Observation]], tracks: dict[str, Track], keep: int) -> None:
    """A streak that fills the whole window began before it: find when (one query per such requirement)."""
    longer = [rid for rid, t in tracks.items() if len(timelines[rid]) > keep and t.since == timelines[rid][0].at]
    if not longer:
        return
    db = history.connect(state)
    try:
        for rid in longer:
            first = streak_start(db, rid, timelines[rid][0].at)
            if first:
                tracks[rid].begin_earlier(first)
    finally:
        db.close()


def previous_run(state: Path, record: dict[str, Any]) -> str | None:
    """The run ID of the run before `record`, if the history has one."""
    if not (state / "history.sqlite").exists() or not record.get("started"):
        return None
    db = history.connect(state)
    try:
        row = db.execute(
            "SELECT run_id FROM runs WHERE started < ? AND run_id != ? ORDER BY started DESC LIMIT 1",
            (record["started"], record.get("run_id", "")),
        ).fetchone()
    finally:
        db.close()
    return row[0] if row else None


# --- remediation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remediation:
    action_id: str
    run_id: str | None
    entry: str
    req: str
    host: str
    at: float
    status: str
    reason: str

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def remediations(
    db: sqlite3.Connection, req: str | None = None, since: str | None = None, run_id: str | None = None
) -> list[Remediation]:
    """Remediation decisions, oldest first (attempts, escalations, pending approvals, skips)."""
    sql = "SELECT action_id, run_id, entry, req, host, at, status, reason FROM remediations WHERE 1 = 1"
    args: list[Any] = []
    if req is not None:
        sql, args = sql + " AND req = ?", [*args, req]
    if since is not None:
        sql, args = sql + " AND at >= ?", [*args, parse(since).timestamp()]
    if run_id is not None:
        sql, args = sql + " AND run_id = ?", [*args, run_id]
    return [Remediation(*row) for row in db.execute(sql + " ORDER BY at", args)]


def outcomes(rows: Iterable[Remediation]) -> dict[str, dict[str, int]]:
    """Per catalogue entry, how many decisions ended in each status (remediated, still-failing, escalated…)."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        per = counts.setdefault(f"{row.entry} ({row.req})", {})
        per[row.status] = per.get(row.status, 0) + 1
    return counts


def escalations_in(state: Path, run_id: str | None) -> list[Remediation]:
    """The escalations a run made: remediation budgets it found spent (a person is needed)."""
    if not run_id or not (state / "history.sqlite").exists():
        return []
    db = history.connect(state)
    try:
        return [r for r in remediations(db, run_id=run_id) if r.status == "escalated"]
    finally:
        db.close()


# --- the summary `orion history` prints -----------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """One requirement over a period."""

    req: str
    track: Track
    runs: int
    bad_runs: int
    remediation: dict[str, int]
    escalations: list[Remediation]

    @property
    def median_fix_s(self) -> float | None:
        times = self.track.times_to_fix
        return statistics.median(times) if times else None


def summarise(state: Path, limits: Thresholds, req: str | None = None, since: str | None = None) -> list[Summary]:
    """Every requirement the history saw since `since` (or `req` alone), with its incidents and remediations."""
    if not (state / "history.sqlite").exists():
        return []
    db = history.connect(state)
    try:
        timelines = observations(db, req=req, since=since)
        rems = remediations(db, req=req, since=since)
    finally:
        db.close()
    tracks = replay(timelines, limits)
    out = []
    for rid in sorted(tracks):
        mine = [r for r in rems if r.req == rid]
        counts: dict[str, int] = {}
        for r in mine:
            counts[r.status] = counts.get(r.status, 0) + 1
        seen = timelines[rid]
        out.append(Summary(rid, tracks[rid], len(seen), sum(o.state == BAD for o in seen), counts,
                           [r for r in mine if r.status == "escalated"]))  # fmt: skip
    return out
