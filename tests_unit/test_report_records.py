"""Run records for the report tests: a builder, a history writer, and a hypothesis strategy of any record."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from orion import catalogue
from orion.remediate import runs

REQS = sorted(catalogue.load().requirements)
OUTCOMES = ("passed", "failed", "error", "skipped")


def check(req: str, outcome: str = "passed", host: str | None = "orion-cortex", **extra: Any) -> dict[str, Any]:
    body = {
        "nodeid": f"checks/x/test_{req.lower().replace('-', '_')}.py::test_it[{host}]",
        "req": [req],
        "host": host,
        "outcome": outcome,
        "duration_s": 0.1,
        "message": f"{req} is wrong" if outcome in ("failed", "error") else "",
        "evidence": {"observed": "bad", "expected": "good", "source": "ssh orion-cortex: true"}
        if outcome in ("failed", "error")
        else {},
        "remediation": None,
        "cadence": "critical",
        "kind": "live",
    }
    body.update(extra)
    return body


def record(checks: list[dict[str, Any]], n: int = 0, day: int = 2) -> dict[str, Any]:
    """Run `n` of a day: runs five minutes apart, so that their order is their number."""
    minutes = 5 * n
    started = f"2026-12-{day:02d}T{10 + minutes // 60:02d}:{minutes % 60:02d}:00.000Z"
    return {
        "schema": "orion.run/1",
        "run_id": f"2026120{day}T{10 + minutes // 60:02d}{minutes % 60:02d}00Z-{n:06x}",
        "started": started,
        "finished": started,
        "inventory": None,
        "selection": ["-m", "critical"],
        "summary": {},
        "checks": copy.deepcopy(checks),
    }


def store(state: Path, body: dict[str, Any]) -> dict[str, Any]:
    """Write the record and its history rows as a run does (redacted); the record as written."""
    state.mkdir(parents=True, exist_ok=True)
    path = runs.save(state, copy.deepcopy(body))
    (state / "runs" / "latest.json").write_text(path.read_text())  # the newest run written, as a run makes it
    return runs.load(state, body["run_id"]) or {}


def series(state: Path, req: str, outcomes: str, **extra: Any) -> list[dict[str, Any]]:
    """One run per letter of `outcomes` (F failed, P passed, E error, S skipped, R failed then remediated)."""
    names = {"F": "failed", "P": "passed", "E": "error", "S": "skipped", "R": "failed"}
    written = []
    for n, letter in enumerate(outcomes):
        rem = {"id": "fix", "status": "remediated", "attempts": 1, "reason": "exit 0; green again"}
        one = check(req, names[letter], remediation=rem if letter == "R" else None, **extra)
        written.append(store(state, record([one, check("SEC-02")], n)))
    return written


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
_value = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def any_check(draw: st.DrawFn) -> dict[str, Any]:
    outcome = draw(st.sampled_from(OUTCOMES))
    rem = draw(st.none() | st.fixed_dictionaries({
        "id": st.sampled_from(["restart-x", "reapply-role", None]),
        "status": st.sampled_from(["remediated", "still-failing", "skipped", "pending", "escalated"]),
        "attempts": st.integers(0, 9),
        "reason": _text,
    }))  # fmt: skip
    return {
        "nodeid": draw(_text),
        "req": draw(
            st.lists(st.sampled_from(REQS) | st.from_regex(r"[A-Z]{2,5}-\d{2}", fullmatch=True), min_size=1, max_size=2)
        ),
        "host": draw(st.none() | st.sampled_from(["orion-cortex", "orion-synapse"]) | _text),
        "outcome": outcome,
        "duration_s": draw(st.floats(0, 100)),
        "message": draw(_text),
        "evidence": draw(
            st.fixed_dictionaries({}, optional={"observed": _value, "expected": _value, "source": _value})
        ),
        "remediation": rem,
        "cadence": draw(st.sampled_from(["critical", "daily", "weekly", None])),
        "kind": "live",
    }


def any_record(max_checks: int = 80) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda checks: record(checks), st.lists(any_check(), max_size=max_checks))


def test_a_series_is_written_in_order(tmp_path):
    written = series(tmp_path / "state", "SEC-01", "FPR")
    assert [r["checks"][0]["outcome"] for r in written] == ["failed", "passed", "failed"]
    assert written[0]["started"] < written[1]["started"] < written[2]["started"]
