"""Whether an entry may act on a host now: budget per window, cooldown and back-off, kept in the history DB.

Every attempt (remediated or not) counts against the budget, so a fault that comes back after every fix stops
at its budget. A spent budget escalates once, then stays quiet until the window frees an attempt.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from orion import history
from orion.remediate.catalog import Entry, Mode

ATTEMPTS = ("remediated", "still-failing")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    attempts: int = 0  # attempts already made in the window
    escalate: bool = False  # the budget has just been found spent: tell a person, once


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{seconds:g} s"


def decide(db: sqlite3.Connection, entry: Entry, host: str, now: float | None = None) -> Decision:
    now = time.time() if now is None else now
    if entry.mode is Mode.NEVER:
        return Decision(False, f"never: {entry.reason}")
    rows = db.execute(
        "SELECT at, status FROM remediations WHERE entry = ? AND host = ? AND at >= ? ORDER BY at DESC",
        (entry.id, host, now - entry.budget.per),
    ).fetchall()
    attempts = [(at, status) for at, status in rows if status in ATTEMPTS]
    if len(attempts) >= entry.budget.attempts:
        last_attempt = attempts[0][0]
        escalated = [at for at, status in rows if status == "escalated" and at >= last_attempt]
        if escalated:
            return Decision(False, f"budget spent ({len(attempts)} attempts in {_span(entry.budget.per)}); "
                            f"escalated at {_when(escalated[0])}", len(attempts))  # fmt: skip
        return Decision(False, f"gave up after {len(attempts)} attempts in {_span(entry.budget.per)}: "
                        "a person is needed", len(attempts), escalate=True)  # fmt: skip
    if attempts:
        misses = 0
        for _, status in attempts:
            if status != "still-failing":
                break
            misses += 1
        wait = entry.cooldown * entry.backoff.factor ** max(misses - 1, 0)
        if misses > 1:
            wait = min(wait, max(entry.backoff.max, entry.cooldown))
        if now - attempts[0][0] < wait:
            why = f"back-off after {misses} attempts that did not fix it" if misses > 1 else "cooldown"
            return Decision(False, f"{why}: next attempt after {_when(attempts[0][0] + wait)}", len(attempts))
    return Decision(True, attempts=len(attempts))


def record(
    db: sqlite3.Connection,
    action_id: str,
    run_id: str | None,
    entry: Entry,
    host: str,
    status: str,
    reason: str = "",
    exit_code: int | None = None,
    duration_s: float | None = None,
    at: float | None = None,
) -> None:
    db.execute(
        "INSERT OR REPLACE INTO remediations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (action_id, run_id, entry.id, entry.req, host, time.time() if at is None else at, status, reason,
         exit_code, duration_s),
    )  # fmt: skip
    db.commit()


def connect(state: Path) -> sqlite3.Connection:
    return history.connect(state)
