"""Read a run record back (`latest` or an ID) and write it again once its remediations are filled in."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from orion import history, record
from orion.outcomes import Outcome

_ID = re.compile(r"^[0-9A-Za-z][\w.-]*$")


def path_of(state: Path, run: str = "latest") -> Path:
    if not _ID.match(run):
        raise ValueError(f"{run!r} is not a run ID (e.g. latest or 20250101T000000Z-abc123)")
    return state / "runs" / f"{run}.json"


def load(state: Path, run: str = "latest") -> dict[str, Any] | None:
    path = path_of(state, run)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def save(state: Path, body: dict[str, Any]) -> Path:
    """Rewrite runs/<id>.json (and latest.json when it is the newest run) and the run's history rows."""
    names = {f.name for f in fields(record.CheckResult)}
    checks = [
        record.CheckResult(**{**{k: v for k, v in c.items() if k in names}, "outcome": Outcome(c["outcome"])})
        for c in body["checks"]
    ]
    rec = record.RunRecord(
        run_id=body["run_id"], started=body["started"], inventory=body.get("inventory"),
        selection=list(body.get("selection", [])), finished=body.get("finished", ""), checks=checks,
    )  # fmt: skip
    latest = load(state, "latest")
    newest = latest is None or latest.get("run_id") == rec.run_id  # an older run: latest.json stays the newest
    path = record.write(state, rec, latest=newest)
    history.store(state, rec)
    return path
