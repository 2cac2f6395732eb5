"""Which checks of a run record failed (or could not observe) without evidence to show for it.

A failed check must record what it observed, what it expected and where it looked (`source`); a check in
`error` must record what went wrong (`observed`) and where (`source`). Tests call this on the records of
mutated stacks and lab faults, so no failure reaches a report with only its message.
"""

from __future__ import annotations

from typing import Any

REQUIRED = {"failed": ("observed", "expected", "source"), "error": ("observed", "source")}


def missing_evidence(record: dict[str, Any]) -> list[str]:
    """One line per failed or errored check of `record` (an orion.run/1 dict) that lacks a required field."""
    problems = []
    for check in record.get("checks") or []:
        found = check.get("evidence") or {}
        missing = [key for key in REQUIRED.get(check.get("outcome", ""), ()) if not _has(found, key)]
        if missing:
            problems.append(f"{check.get('nodeid')} ({check.get('outcome')}): no {', '.join(missing)}")
    return problems


def _has(evidence: dict[str, Any], key: str) -> bool:
    """Present; a null observed value is evidence (the value was absent), an empty source is not."""
    return key in evidence and (key != "source" or bool(evidence[key]))
