"""Evidence: what a check observed, what it expected, and where it looked.

Probes add their sources automatically while a check runs; the `expect` helpers add the observed and
expected values and the places they judged. The plugin moves the evidence into the run record, redacted.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orion import PROJECT_ROOT, redact
from orion.errors import ConfigError
from orion.outcomes import SubjectDown


@dataclass
class Evidence:
    observed: Any = None
    expected: Any = None
    sources: list[str] = field(default_factory=list)
    recorded: bool = False  # an assertion recorded observed and expected: None is then a value (absent)

    def add_source(self, source: str, *, first: bool = False) -> None:
        """Add `source` once: last, or `first` (moved to the front if it was already there)."""
        if source in self.sources:
            if not first:
                return
            self.sources.remove(source)
        self.sources.insert(0 if first else len(self.sources), source)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.recorded or self.observed is not None:
            out["observed"] = _jsonable(self.observed)
        if self.recorded or self.expected is not None:
            out["expected"] = _jsonable(self.expected)
        if self.sources:
            out["source"] = self.sources[0] if len(self.sources) == 1 else list(self.sources)
        return redact.data(out)

    def explain(self, exc: BaseException) -> None:
        """Complete the evidence of a check that did not pass because of `exc` (the plugin calls this).

        An `expect` failure already recorded its evidence; a subject that is down records what Orion saw there;
        anything else means the check could not observe (`could_not_observe`).
        """
        if isinstance(exc, SubjectDown):
            self.observed, self.expected, self.recorded = exc.observed, f"{exc.subject} up", True
            self.add_source(exc.source, first=True)
        elif not isinstance(exc, AssertionError):
            self.could_not_observe(exc)

    def could_not_observe(self, exc: BaseException) -> None:
        """A check in `error`: what went wrong is what it observed, in place of what an earlier assertion
        recorded. Where: a ConfigError's file:line first, else the probes' sources, else where it was raised."""
        self.observed, self.expected, self.recorded = _first_line(exc) or type(exc).__name__, None, False
        if isinstance(exc, ConfigError):
            self.add_source(_shown(exc.path) + (f":{exc.line}" if exc.line else ""), first=True)
        elif not self.sources and (frame := _raised_at(exc)):
            self.add_source(frame)


_current: ContextVar[Evidence | None] = ContextVar("orion_evidence", default=None)


def begin() -> Evidence:
    evidence = Evidence()
    _current.set(evidence)
    return evidence


def current() -> Evidence | None:
    return _current.get()


def source(text: str) -> None:
    """Record where the running check looked (a command, a URL, a file:line)."""
    if (evidence := _current.get()) is not None:
        evidence.add_source(text)


def record(observed: Any, expected: Any, places: list[str] | None = None) -> None:
    """Record what an assertion judged: the observed and expected values (None included), and the places it
    judged, first among the sources. A later assertion's record replaces an earlier one's."""
    if (evidence := _current.get()) is not None:
        evidence.observed, evidence.expected, evidence.recorded = observed, expected, True
        for place in reversed(places or []):
            evidence.add_source(place, first=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else ""


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _raised_at(exc: BaseException) -> str | None:
    """file:line of the innermost frame that raised `exc`."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{_shown(Path(tb.tb_frame.f_code.co_filename))}:{tb.tb_lineno}" if tb else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)
