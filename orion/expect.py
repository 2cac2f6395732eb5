"""Assertions of intent for checks: they record evidence, then fail with a sentence a person understands."""

from __future__ import annotations

from typing import Any

from orion import evidence


def expect(observed: Any, expected: Any, message: str) -> None:
    """Fail with `message` unless `observed == expected`."""
    __tracebackhide__ = True
    evidence.observed(observed, expected)
    if observed != expected:
        raise AssertionError(f"{message} (observed {observed!r}, expected {expected!r})")


def expect_that(condition: bool, message: str, *, observed: Any = None, expected: Any = None) -> None:
    """Fail with `message` unless `condition` holds; `observed`/`expected` go into the evidence."""
    __tracebackhide__ = True
    evidence.observed(observed, expected)
    if not condition:
        detail = f" (observed {observed!r})" if observed is not None else ""
        raise AssertionError(f"{message}{detail}")
