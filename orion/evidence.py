"""Evidence: what a check observed, what it expected, and where it looked.

Probes add their sources automatically while a check runs; `expect` adds the observed and
expected values. The plugin moves the evidence into the run record, redacted.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from orion import redact


@dataclass
class Evidence:
    observed: Any = None
    expected: Any = None
    sources: list[str] = field(default_factory=list)

    def add_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.observed is not None:
            out["observed"] = _jsonable(self.observed)
        if self.expected is not None:
            out["expected"] = _jsonable(self.expected)
        if self.sources:
            out["source"] = self.sources[0] if len(self.sources) == 1 else list(self.sources)
        return redact.data(out)


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


def observed(value: Any, expected: Any = None) -> None:
    """Record the observed (and expected) value; None leaves what an earlier assertion recorded."""
    if (evidence := _current.get()) is not None:
        if value is not None:
            evidence.observed = value
        if expected is not None:
            evidence.expected = expected


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)
