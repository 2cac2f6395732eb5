"""The closed vocabulary of outcomes, and the exception that means "could not observe"."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # the system is wrong: an assertion of intent did not hold
    ERROR = "error"  # the check could not observe: unreachable, auth refused, timeout, broken check
    SKIPPED = "skipped"


#: Worst first: a requirement takes the worst outcome of its checks.
SEVERITY = (Outcome.FAILED, Outcome.ERROR, Outcome.PASSED, Outcome.SKIPPED)


def worst(outcomes: list[Outcome]) -> Outcome:
    return min(outcomes, key=SEVERITY.index) if outcomes else Outcome.SKIPPED


class ObservationError(Exception):
    """A probe could not observe the system. Checks that hit it end in `error`, never `failed`."""
