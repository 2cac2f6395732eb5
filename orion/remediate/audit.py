"""The audit log, <state>/remediation.jsonl: one JSON line per remediation decision, redacted."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from orion import record, redact

AUDIT_NAME = "remediation.jsonl"


def write(state: Path, event: dict[str, Any]) -> None:
    """Append one event (with its time); the file is opened in append mode so lines never interleave."""
    line = json.dumps(redact.data({"at": record.now(), **event}), ensure_ascii=False) + "\n"
    fd = os.open(state / AUDIT_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read(state: Path) -> list[dict[str, Any]]:
    path = state / AUDIT_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
