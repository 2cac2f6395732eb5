"""The run record (`orion.run/1`): one JSON per run in <state>/runs/, with latest.json always the newest."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orion import redact
from orion.outcomes import Outcome

SCHEMA = "orion.run/1"


@dataclass
class CheckResult:
    nodeid: str
    req: list[str]
    host: str | None
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: dict[str, Any] | None = None
    cadence: str | None = None
    kind: str | None = None


@dataclass
class RunRecord:
    run_id: str
    started: str
    inventory: str | None
    selection: list[str]
    finished: str = ""
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for check in self.checks:
            counts[check.outcome.value] += 1
        counts["remediated"] = sum(
            1 for c in self.checks if c.remediation and c.remediation.get("status") == "remediated"
        )
        return counts

    def as_dict(self) -> dict[str, Any]:
        body = {
            "schema": SCHEMA,
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "inventory": self.inventory,
            "selection": self.selection,
            "summary": self.summary,
            "checks": [{**asdict(c), "outcome": c.outcome.value} for c in self.checks],
        }
        return redact.data(body)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def write(state: Path, record: RunRecord, *, latest: bool = True) -> Path:
    """Write the record and (unless it is an older run rewritten) point latest.json at it, by atomic renames."""
    runs = state / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record.as_dict(), indent=2, ensure_ascii=False) + "\n"
    path = runs / f"{record.run_id}.json"
    write_atomic(path, text)
    if latest:
        write_atomic(runs / "latest.json", text)
    return path


def write_atomic(path: Path, text: str) -> None:
    """A temporary file beside `path`, renamed over it (0640): readers see the old text or the new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
