"""A check's outcome, decided from pytest's report and the type of what it raised, never from message text.

- passed, or skipped with its reason;
- failed: an assertion of intent did not hold (`expect`), or the check's subject is down (`SubjectDown`, whose
  observed value and source become the check's evidence);
- error: Orion could not observe (`CannotObserve`, a `ConfigError`), or the check itself broke.
Could-not-observe and subject-down show as one clear line, never a traceback (unless --orion-tracebacks).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orion import evidence, redact
from orion.errors import ConfigError
from orion.markers import Marks, is_check
from orion.outcomes import CannotObserve, Outcome, SubjectDown
from orion.plugin.result import PhaseResult

_EVIDENCE = pytest.StashKey[evidence.Evidence]()
#: Raised by probes and fixtures with a sentence for a person: the traceback adds nothing.
_PLAIN = (SubjectDown, CannotObserve, ConfigError)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    if is_check(item):
        item.stash[_EVIDENCE] = evidence.begin()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    if not is_check(item):
        return report
    outcome, message = classify(report, call)
    ev = item.stash.get(_EVIDENCE, None)
    if ev is not None and call.excinfo is not None and outcome in (Outcome.FAILED, Outcome.ERROR):
        ev.explain(call.excinfo.value)  # what a subject that is down, or a check that could not look, showed
    plain = outcome is not Outcome.PASSED and call.excinfo is not None and call.excinfo.errisinstance(_PLAIN)
    if plain and not item.config.option.orion_tracebacks:
        report.longrepr = f"{item.nodeid}: {redact.text(message)}"
    if report.failed and report.longrepr is not None:
        report.longrepr = redact.text(str(report.longrepr))  # a traceback may quote a secret a probe saw
    marks = Marks.of(item)
    PhaseResult(
        when=report.when, outcome=outcome, message=redact.text(message), req=list(marks.req), host=_host(item),
        cadence=marks.cadence, kind=marks.kind, evidence=ev.as_dict() if ev else {},
    ).attach(report)  # fmt: skip
    return report


def _host(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    param = callspec.params.get("node", callspec.params.get("stack"))
    return getattr(param, "name", param)


def classify(report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[Outcome, str]:
    """The outcome of one phase, and its message."""
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr or "")
        return Outcome.SKIPPED, reason.removeprefix("Skipped: ")
    if report.passed:
        return Outcome.PASSED, ""
    excinfo = call.excinfo
    if excinfo is None:
        return Outcome.ERROR, "failed without an exception"
    if excinfo.errisinstance(SubjectDown):
        return Outcome.FAILED, _first_line(excinfo.value)
    if report.when == "call" and excinfo.errisinstance(AssertionError):
        return Outcome.FAILED, _first_line(excinfo.value) or "assertion failed"
    if excinfo.errisinstance((CannotObserve, ConfigError)):
        return Outcome.ERROR, _first_line(excinfo.value)
    return Outcome.ERROR, f"the check broke: {excinfo.typename}: {_first_line(excinfo.value)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """Show Orion's outcome whichever phase decided it: a check that could not observe is ERROR even when it broke
    in its body, and one whose subject is down is FAILED even when a fixture found it down."""
    result = PhaseResult.of(report)
    if result is None:
        return None
    if report.when == "call" and result.outcome is Outcome.ERROR:
        return "error", "E", "ERROR"
    if report.when != "call" and result.outcome is Outcome.FAILED:
        return "failed", "F", "FAILED"
    return None
