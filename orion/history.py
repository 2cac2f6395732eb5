"""Run history in SQLite (<state>/history.sqlite): runs, results and remediations, for flapping, time-to-fix
and remediation budgets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orion.record import RunRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    inventory TEXT,
    selection TEXT NOT NULL,
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    error INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    remediated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    nodeid TEXT NOT NULL,
    req TEXT NOT NULL,
    host TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed', 'error', 'skipped')),
    duration_s REAL NOT NULL,
    message TEXT NOT NULL,
    remediation TEXT,  -- the check's remediation status in the run record (remediated, still-failing…), if any
    PRIMARY KEY (run_id, nodeid, req)
);
CREATE INDEX IF NOT EXISTS results_by_req ON results (req, run_id);
-- One row per remediation decision (orion/remediate/policy.py): attempts count against budgets across runs.
CREATE TABLE IF NOT EXISTS remediations (
    action_id TEXT PRIMARY KEY,
    run_id TEXT,
    entry TEXT NOT NULL,
    req TEXT NOT NULL,
    host TEXT NOT NULL,
    at REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('remediated', 'still-failing', 'skipped', 'escalated', 'pending')),
    reason TEXT NOT NULL DEFAULT '',
    exit_code INTEGER,
    duration_s REAL
);
CREATE INDEX IF NOT EXISTS remediations_by_entry ON remediations (entry, host, at);
"""


def connect(state: Path) -> sqlite3.Connection:
    db = sqlite3.connect(state / "history.sqlite", timeout=30)
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(SCHEMA)
    if "remediation" not in {row[1] for row in db.execute("PRAGMA table_info(results)")}:
        db.execute("ALTER TABLE results ADD COLUMN remediation TEXT")  # a history written before the column
    return db


def store(state: Path, record: RunRecord) -> None:
    """Add one run and its results (redacted, as in the run record)."""
    body = record.as_dict()
    summary = body["summary"]
    with connect(state) as db:
        db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                body["run_id"], body["started"], body["finished"], body["inventory"], " ".join(body["selection"]),
                summary["passed"], summary["failed"], summary["error"], summary["skipped"], summary["remediated"],
            ),
        )  # fmt: skip
        db.executemany(
            "INSERT OR REPLACE INTO results (run_id, nodeid, req, host, outcome, duration_s, message, remediation)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (body["run_id"], c["nodeid"], req, c["host"], c["outcome"], c["duration_s"], c["message"],
                 (c.get("remediation") or {}).get("status"))
                for c in body["checks"]
                for req in c["req"]
            ],
        )  # fmt: skip
    db.close()
