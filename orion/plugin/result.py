"""A check's phase result: Orion's reading of one pytest report (setup, call or teardown), typed.

It travels on the report's `user_properties`, the one place pytest-xdist carries from a worker to the controller;
xdist serialises only plain data there, so it travels as a dict and is read back with `PhaseResult.of(report)`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from orion.outcomes import Outcome

KEY = "orion"


@dataclass(frozen=True)
class PhaseResult:
    when: str
    outcome: Outcome
    message: str
    req: list[str]
    host: str | None
    cadence: str | None
    kind: str | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def attach(self, report: pytest.TestReport) -> None:
        report.user_properties.append((KEY, {**asdict(self), "outcome": self.outcome.value}))

    @classmethod
    def of(cls, report: pytest.TestReport) -> PhaseResult | None:
        """The result attached to `report`, or None when the report is not a check's."""
        data = next((value for key, value in getattr(report, "user_properties", ()) if key == KEY), None)
        if not isinstance(data, dict):
            return None
        return cls(**{**data, "outcome": Outcome(data["outcome"])})
