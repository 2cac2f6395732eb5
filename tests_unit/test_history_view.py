"""History queries: a requirement's timeline read as Gatus reads an endpoint (alert after N failures in a row,
recover after M passes), flapping, since when, time to fix, remediation outcomes and escalations."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_report_records import check, record, series, store
from typer.testing import CliRunner

from orion import history
from orion.cli import app
from orion.report import history_view
from orion.report.command import Refused, since_of
from orion.report.prefs import Thresholds

LIMITS = Thresholds(alert_after=2, resolve_after=2)


def _track(state, req="SEC-01", limits=LIMITS):
    body = (state / "runs" / "latest.json").read_text()
    return history_view.tracks_for_run(state, json.loads(body), limits)[req]


def test_a_failure_alerts_only_after_n_failures_in_a_row(state):
    series(state, "SEC-01", "PF")
    assert _track(state).status == "pending" and _track(state).bad_streak == 1
    series(state, "SEC-01", "PFF")
    track = _track(state)
    assert track.status == "new" and track.alerting
    assert track.since == "2026-12-02T10:05:00.000Z"  # the first failure of the streak, not the one that alerted


def test_it_stays_failing_then_recovers_after_m_passes_with_its_time_to_fix(state):
    series(state, "SEC-01", "PFFFP")
    assert _track(state).status == "recovering"
    series(state, "SEC-01", "PFFFPP")
    track = _track(state)
    assert track.status == "recovered" and not track.alerting
    assert track.incidents[-1].start == "2026-12-02T10:05:00.000Z"
    assert track.incidents[-1].fixed == "2026-12-02T10:20:00.000Z"  # the first pass of the streak that resolved
    assert track.times_to_fix == [15 * 60]


def test_with_the_defaults_one_failure_alerts_and_two_passes_resolve(state):
    series(state, "SEC-01", "PF")
    assert _track(state, limits=Thresholds()).status == "new"
    series(state, "SEC-01", "PFF")
    assert _track(state, limits=Thresholds()).status == "still"
    series(state, "SEC-01", "PFFP")
    assert _track(state, limits=Thresholds()).status == "recovering"


def test_a_flapping_requirement_is_flagged_and_never_announced_again_and_again(state):
    series(state, "SEC-01", "FPFPFPFP")
    track = _track(state, limits=Thresholds())
    assert track.flapping
    assert len(track.incidents) == 1 and track.alerting  # one pass never resolves: no recovered/failed storm


def test_a_remediated_failure_counts_as_good_and_an_error_neither(state):
    assert history_view.state_of([("failed", "remediated")]) == history_view.GOOD
    assert history_view.state_of([("failed", "still-failing"), ("passed", None)]) == history_view.BAD
    assert history_view.state_of([("error", None), ("passed", None)]) == history_view.UNKNOWN
    assert history_view.state_of([("skipped", None)]) == history_view.UNKNOWN
    series(state, "SEC-01", "FEF")  # an error in between does not break the streak
    assert _track(state).status == "new" and _track(state).bad_streak == 2


def test_the_record_is_the_authority_for_its_own_run(state):
    series(state, "SEC-01", "PF")
    latest = record([check("SEC-01", "failed", remediation={"status": "remediated"})], 1)
    track = history_view.tracks_for_run(state, latest, Thresholds())["SEC-01"]
    assert track.state == history_view.GOOD  # the history still says failed: the record was rewritten since


def test_an_older_history_gets_the_remediation_column(tmp_path):
    db = sqlite3.connect(tmp_path / "history.sqlite")
    db.executescript(
        "CREATE TABLE results (run_id TEXT NOT NULL, nodeid TEXT NOT NULL, req TEXT NOT NULL, host TEXT,"
        " outcome TEXT NOT NULL, duration_s REAL NOT NULL, message TEXT NOT NULL, PRIMARY KEY (run_id, nodeid, req));"
    )
    db.close()
    history.connect(tmp_path).close()
    columns = [row[1] for row in sqlite3.connect(tmp_path / "history.sqlite").execute("PRAGMA table_info(results)")]
    assert "remediation" in columns
    store(tmp_path, record([check("SEC-01", "failed", remediation={"status": "still-failing"})]))


def test_summaries_count_remediation_outcomes_and_list_escalations(state):
    series(state, "SEC-01", "FFP")
    db = history.connect(state)
    rows = [
        ("a1", None, "restart-sshd", "SEC-01", "orion-cortex", 1796212800.0, "still-failing", "exit 1"),
        ("a2", None, "restart-sshd", "SEC-01", "orion-cortex", 1796213100.0, "remediated", "green again"),
        ("a3", "r", "restart-sshd", "SEC-01", "orion-cortex", 1796213400.0, "escalated", "gave up after 2"),
    ]
    db.executemany("INSERT INTO remediations (action_id, run_id, entry, req, host, at, status, reason) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
    db.commit()
    db.close()
    (summary,) = history_view.summarise(state, LIMITS, req="SEC-01", since="2026-12-01T00:00:00Z")
    assert summary.runs == 3 and summary.bad_runs == 2
    assert summary.remediation == {"still-failing": 1, "remediated": 1, "escalated": 1}
    assert [e.reason for e in summary.escalations] == ["gave up after 2"]
    assert history_view.escalations_in(state, "r")[0].entry == "restart-sshd"


def test_orion_history_prints_status_incidents_and_remediations(state):
    series(state, "SEC-01", "FFPP")
    result = CliRunner().invoke(app, ["history", "SEC-01", "--since", "2026-12-01", "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    assert "SEC-01: rétabli" in result.output and "1 incident" in result.output and "réparé en 10 min" in result.output
    english = CliRunner().invoke(app, ["history", "--since", "2026-12-01", "--lang", "en", "--state-dir", str(state)])
    assert "SEC-01: recovered" in english.output and "SEC-02: green" in english.output


def test_orion_history_refuses_a_bad_since_in_one_line(state):
    result = CliRunner().invoke(app, ["history", "--since", "last tuesday", "--state-dir", str(state)])
    assert result.exit_code == 2 and "expected a duration" in result.output and "Traceback" not in result.output


def test_since_takes_durations_and_dates():
    from datetime import UTC, datetime

    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert since_of("7d", now) == "2026-11-25T12:00:00Z"
    assert since_of("90m", now) == "2026-12-02T10:30:00Z"
    assert since_of("2026-12-01", now) == "2026-12-01T00:00:00Z"
    with pytest.raises(Refused):
        since_of("soon", now)


def test_a_streak_older_than_the_replayed_window_still_says_when_it_began(state):
    series(state, "SEC-01", "PP" + "F" * 30)  # more failed runs than a report replays (keep_for)
    track = history_view.tracks_for_run(state, json.loads((state / "runs" / "latest.json").read_text()), Thresholds())
    assert history_view.keep_for(Thresholds()) < 30
    assert track["SEC-01"].status == "still" and track["SEC-01"].since == "2026-12-02T10:10:00.000Z"


@pytest.mark.parametrize("checks", [
    [("failed", "remediated")], [("failed", "still-failing"), ("passed", None)], [("error", None), ("passed", None)],
    [("skipped", None)], [("passed", None), ("skipped", None)], [("failed", None), ("error", None)],
])  # fmt: skip
def test_the_history_reads_a_run_as_the_record_does(state, checks):
    body = record([check("SEC-01", o, nodeid=f"checks/t.py::t{n}", remediation={"status": r} if r else None)
                   for n, (o, r) in enumerate(checks)])  # fmt: skip
    store(state, body)
    db = history.connect(state)
    (seen,) = history_view.observations(db, req="SEC-01")["SEC-01"]
    db.close()
    assert seen.state == history_view.state_of(checks) == history_view.record_observations(body)["SEC-01"].state
