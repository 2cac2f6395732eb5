"""The run record: each check's phases merged into one result, written with the history when the session ends,
and the exit status: 0 all passed, 1 failures remain, 3 nothing failed but some checks could not observe."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orion import history, record, redact
from orion.outcomes import Outcome
from orion.plugin.result import PhaseResult
from orion.plugin.run import EXIT_CONFIG, EXIT_UNOBSERVED, Run, run_of

_RECORDER = pytest.StashKey["Recorder"]()


class Recorder:
    """Registered as a plugin instance: `pytest_runtest_logreport` gets no config to find the run by."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.started = record.now()
        self.run_id = record.new_run_id()
        self.results: dict[str, record.CheckResult] = {}
        self.other_failures = 0  # plain tests (not checks) that failed: they count for the exit status
        self.path: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Merge the setup, call and teardown reports of each check into one result (on the controller too)."""
        phase = PhaseResult.of(report)
        if phase is None:
            self.other_failures += int(report.failed)
            return
        result = self.results.setdefault(
            report.nodeid,
            record.CheckResult(
                report.nodeid, phase.req, phase.host, phase.outcome, cadence=phase.cadence, kind=phase.kind
            ),
        )
        result.duration_s = round(result.duration_s + report.duration, 3)
        first_bad = result.outcome in (Outcome.PASSED, phase.outcome) and not result.message
        if phase.outcome is not Outcome.PASSED and first_bad:
            result.outcome, result.message = phase.outcome, phase.message
        if phase.evidence:
            result.evidence = phase.evidence

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.run.close()
        if self.run.worker or not self.results:
            return
        rec = record.RunRecord(
            run_id=self.run_id,
            started=self.started,
            finished=record.now(),
            inventory=self.run.inventory_path,
            selection=[redact.text(a) for a in session.config.invocation_params.args],
            checks=list(self.results.values()),
        )
        try:
            self.path = record.write(self.run.state, rec)
            history.store(self.run.state, rec)
        except OSError as exc:
            sys.stderr.write(f"orion: cannot write the run record: {exc}\n")
            session.exitstatus = EXIT_CONFIG
            return
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = exit_code(rec.summary, self.other_failures)


def recorder_of(config: pytest.Config) -> Recorder:
    return config.stash[_RECORDER]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RECORDER] = recorder = Recorder(run_of(config))
    config.pluginmanager.register(recorder, "orion-run")


def exit_code(summary: dict[str, int], other_failures: int = 0) -> int:
    """0 all passed or remediated; 1 failures remain; 3 nothing failed but some checks could not run."""
    if summary["failed"] or other_failures:
        return 1
    if summary["error"]:
        return EXIT_UNOBSERVED
    return 0
