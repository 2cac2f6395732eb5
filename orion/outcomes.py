"""The closed vocabulary of outcomes, and the two exceptions by which probes say why a check could not pass.

A check has a *subject*: the service, host or path its requirement is about. When Orion reaches the place it
observes from and the subject itself is down, the probe raises `SubjectDown` and the check is `failed`, with what
it saw as evidence. When Orion cannot tell (its own access, credentials or tools, or a timeout from a host that is
itself unreachable), the probe raises `CannotObserve` and the check ends in `error`. The plugin decides from the
type, never from the message.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # the system is wrong: an assertion of intent did not hold, or the check's subject is down
    ERROR = "error"  # Orion could not observe: its access refused, its credentials, a timeout, a broken check
    SKIPPED = "skipped"


#: Worst first: a requirement takes the worst outcome of its checks.
SEVERITY = (Outcome.FAILED, Outcome.ERROR, Outcome.PASSED, Outcome.SKIPPED)


def worst(outcomes: list[Outcome]) -> Outcome:
    return min(outcomes, key=SEVERITY.index) if outcomes else Outcome.SKIPPED


class CannotObserve(Exception):
    """Orion cannot tell: its SSH or Docker access refused, its credentials missing or rejected, a timeout from a
    host that is itself unreachable, a tool missing on its side. Checks that hit it end in `error`, never `failed`.
    """


class SubjectDown(Exception):
    """Orion reached the place it observes from, and the check's subject is down there: the connection refused,
    an HTTP 5xx, its container stopped, no route inside its own namespace. Checks that hit it are `failed`, and
    `observed` and `source` become their evidence."""

    def __init__(self, subject: str, observed: str, source: str) -> None:
        self.subject = subject
        self.observed = observed  # what Orion saw: "connection refused", "HTTP 503", "container exited"
        self.source = source  # where it looked: a URL, a command
        super().__init__(f"{subject} is down: {observed} ({source})")


#: The former name of CannotObserve, kept while code outside orion/ and checks/ moves to the two names above.
ObservationError = CannotObserve
