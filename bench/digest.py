"""Benchmark: how long the deterministic digest takes to build (goal: < 100 ms) for a run of 50 checks with 10
failures, over a history of a week of 5-minute runs (2016 runs), and how long its Telegram message is. The goal
is judged on the CPU time of the build (the wall time is printed too: on a busy machine it is mostly waiting).

Run: `make bench`, or `.venv/bin/python bench/digest.py [--reps N] [--history RUNS]`. Needs no lab.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orion import catalogue, history, record
from orion.outcomes import Outcome
from orion.report.digest import build_digest, telegram_length

GOAL_MS = 100
REQS = sorted(catalogue.load().requirements)


def run_record(n: int, start: datetime, failing: int = 10, checks: int = 50) -> record.RunRecord:
    reqs = REQS
    when = (start + timedelta(minutes=5 * n)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    results = []
    for i in range(checks):
        bad = i < failing and (n % 7 != 0 or i < failing // 2)  # some requirements come and go
        results.append(record.CheckResult(
            nodeid=f"checks/bench/test_{i}.py::test_it[orion-cortex]", req=[reqs[i % len(reqs)]], host="orion-cortex",
            outcome=Outcome.FAILED if bad else Outcome.PASSED, duration_s=0.2,
            message=f"check {i} found the system wrong (observed a value that is not the one expected)" if bad else "",
            evidence={"observed": ["a", "b", "c"], "expected": [], "source": "ssh orion-cortex: ss -H -tulnp"}
            if bad else {}, cadence="critical", kind="live",
        ))  # fmt: skip
    return record.RunRecord(f"bench-{n:05d}", when, None, ["-m", "critical"], when, results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--history", type=int, default=2016, help="runs already in the history")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="orion-bench-digest-"))
    start = datetime(2026, 12, 1, tzinfo=UTC)
    db = history.connect(state)  # the runs as history.store writes them, in one transaction
    with db:
        for n in range(args.history + 1):
            body = run_record(n, start).as_dict()
            s = body["summary"]
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    body["run_id"],
                    body["started"],
                    body["finished"],
                    None,
                    "-m critical",
                    s["passed"],
                    s["failed"],
                    s["error"],
                    s["skipped"],
                    s["remediated"],
                ),
            )
            db.executemany("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           [(body["run_id"], c["nodeid"], r, c["host"], c["outcome"], c["duration_s"], c["message"],
                             None) for c in body["checks"] for r in c["req"]])  # fmt: skip
    db.close()
    build_digest(state, body)  # the templates compile once per process
    wall, cpu = [], []
    for _ in range(args.reps):
        w0, c0 = time.perf_counter(), time.process_time()
        made = build_digest(state, body)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    median_cpu = statistics.median(cpu)
    load = os.getloadavg()[0]
    print(f"digest: 50 checks, 10 failures, {args.history} runs of history: median {median_cpu:.1f} ms of CPU "
          f"(wall {statistics.median(wall):.1f} ms, max {max(wall):.1f} ms, load {load:.1f}) over {args.reps} builds "
          f"(goal < {GOAL_MS} ms); {telegram_length(made.telegram_html)} of 4096 characters")  # fmt: skip
    return 0 if median_cpu < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
