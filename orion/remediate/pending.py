"""Actions waiting for a person (mode `confirm`): <state>/pending/<ID>.json until `orion remediate --approve ID`."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orion import record


@dataclass(frozen=True)
class Pending:
    id: str
    entry: str
    host: str
    run_id: str | None
    checks: list[str] = field(default_factory=list)
    created: str = ""


def _dir(state: Path) -> Path:
    path = state / "pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_id() -> str:
    return "p-" + secrets.token_hex(4)


def find(state: Path, entry: str, host: str) -> Pending | None:
    """The action already waiting for this entry and host: one approval request, not one per run."""
    return next((p for p in all_pending(state) if p.entry == entry and p.host == host), None)


def add(state: Path, entry: str, host: str, run_id: str | None, checks: list[str]) -> Pending:
    if (found := find(state, entry, host)) is not None:
        return found
    item = Pending(new_id(), entry, host, run_id, checks, record.now())
    (_dir(state) / f"{item.id}.json").write_text(json.dumps(asdict(item), indent=2) + "\n", encoding="utf-8")
    return item


def get(state: Path, action_id: str) -> Pending | None:
    path = _dir(state) / f"{action_id}.json"
    if not action_id.replace("-", "").isalnum() or not path.exists():
        return None
    return Pending(**json.loads(path.read_text(encoding="utf-8")))


def remove(state: Path, action_id: str) -> None:
    (_dir(state) / f"{action_id}.json").unlink(missing_ok=True)


def all_pending(state: Path) -> list[Pending]:
    items = [Pending(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted(_dir(state).glob("p-*.json"))]
    return sorted(items, key=lambda p: p.created)
