"""Assertions of intent for checks: they record evidence, then fail with a sentence a person understands.

Every helper records what was observed, what was expected and where (file:line, URL, command), pass or fail,
so that a failure in the run record always carries its evidence, not only its message.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from orion import evidence

#: One place (file:line, URL, command), several, or none (the probes already recorded theirs).
Where = str | Iterable[str] | None


class At(NamedTuple):
    """An offender and the place to fix it: `At(service.name, service.where("ports"))`."""

    what: Any
    where: str

    def __str__(self) -> str:
        return f"{self.what} ({self.where})"


class Ran(Protocol):
    """What a tool said (orion.probes.tools.Ran): its exit code and a summary of its output."""

    rc: int

    def summary(self, lines: int = 3) -> str: ...


def expect(observed: Any, expected: Any, message: str, *, where: Where = None) -> None:
    """Fail with `message` unless `observed == expected`."""
    __tracebackhide__ = True
    places = _places(where)
    evidence.record(observed, expected, places)
    if observed != expected:
        raise AssertionError(f"{message} (observed {observed!r}{_at(places)}, expected {expected!r})")


def expect_that(condition: bool, message: str, *, observed: Any, expected: Any, where: Where = None) -> None:
    """Fail with `message` unless `condition` holds. `observed` is what the condition judged, `expected` what
    would have passed (a value or a short description); both are required, so no failure lacks evidence."""
    __tracebackhide__ = True
    places = _places(where)
    evidence.record(observed, expected, places)
    if not condition:
        raise AssertionError(f"{message} (observed {_short(observed)}{_at(places)})")


def expect_contains(observed: Collection[Any], item: Any, message: str, *, where: Where = None) -> None:
    """Fail with `message` unless `item` is in `observed` (a list, a set, a mapping's keys, a text)."""
    __tracebackhide__ = True
    places = _places(where)
    shown = sorted(observed, key=str) if isinstance(observed, set | frozenset | Mapping) else observed
    evidence.record(shown, {"contains": item}, places)
    if item not in observed:
        raise AssertionError(f"{message} (observed {_short(shown)}{_at(places)}, expected it to hold {item!r})")


def expect_none(offenders: Collection[Any], message: str, *, where: Where = None) -> None:
    """Fail with `message` and the list of `offenders` unless there are none.

    Offenders are what is wrong: `At(what, where)` items (each names its own place), plain values, or a mapping
    (name → what is wrong with it). The evidence records them as observed, the empty collection as expected,
    and the offenders' places and `where` as sources.
    """
    __tracebackhide__ = True
    places = [o.where for o in offenders if isinstance(o, At)] + _places(where)
    if isinstance(offenders, Mapping):
        observed: Any = dict(offenders)
        shown = [f"{k}: {v}" for k, v in offenders.items()]
        empty: Any = {}
    else:
        observed = [str(o) if isinstance(o, At) else o for o in offenders]
        shown = [str(o) for o in offenders]
        empty = []
    evidence.record(observed, empty, places)
    if offenders:
        at = f" ({', '.join(_places(where))})" if where else ""
        raise AssertionError(f"{message}{at}: {'; '.join(shown)}")


def expect_in(observed: Any, allowed: Collection[Any], message: str, *, where: Where = None) -> None:
    """Fail with `message` unless `observed` is one of `allowed`."""
    __tracebackhide__ = True
    places = _places(where)
    expected = sorted(allowed, key=str) if isinstance(allowed, set | frozenset) else list(allowed)
    evidence.record(observed, {"one of": expected}, places)
    if observed not in allowed:
        raise AssertionError(f"{message} (observed {observed!r}{_at(places)}, expected one of {expected!r})")


def expect_success(ran: Ran, message: str, *, where: Where = None) -> None:
    """Fail with `message` and the tool's own words unless it exited 0; the tool recorded its command as source."""
    __tracebackhide__ = True
    places = _places(where)
    evidence.record(f"exit {ran.rc}: {ran.summary()}" if ran.rc else "exit 0", "exit 0", places)
    if ran.rc:
        at = f" ({', '.join(places)})" if places else ""
        raise AssertionError(f"{message}{at}: {ran.summary()}")


def _places(where: Where) -> list[str]:
    if where is None:
        return []
    return [where] if isinstance(where, str) else [w for w in where if w]


def _at(places: list[str]) -> str:
    return f" at {', '.join(places)}" if places else ""


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
