"""Fakes for the remediation tests: a temporary remediations dir with fake scripts, an inventory, a run record."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

INVENTORY = """\
all:
  children:
    cortex:
      hosts:
        orion-cortex:
          ansible_host: 127.0.0.1
          orion_node: cortex
          orion_docker: {host: "unix:///nonexistent.sock", project: cortex}
          orion_services:
            qbittorrent: {url: "http://127.0.0.1:1", username: admin, password: {env: ORION_TEST_QBT_PASSWORD}}
    synapse:
      hosts:
        orion-synapse:
          ansible_host: 127.0.0.1
          orion_node: synapse
"""
SECRET = "s3cr3t-value-42"


def remediations(tmp: Path, entries: str, scripts: dict[str, str]) -> Path:
    """A remediations dir: catalog.yml with `entries` (YAML under `entries:`) and executable scripts."""
    folder = tmp / "remediations"
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in scripts.items():
        path = folder / name
        path.write_text("#!/usr/bin/env bash\nset -eu\n" + textwrap.dedent(body))
        path.chmod(0o755)
    text = "version: 1\ndefaults: {cooldown: 0s}\nentries:\n" + textwrap.indent(textwrap.dedent(entries), "  ")
    (folder / "catalog.yml").write_text(text)
    return folder


def check(nodeid: str, req: str, outcome: str = "failed", host: str | None = "orion-cortex", **extra: Any) -> dict:
    return {"nodeid": nodeid, "req": [req], "host": host, "outcome": outcome, "duration_s": 0.1,
            "message": f"{nodeid} is {outcome}", "evidence": {}, "remediation": None, "cadence": "critical",
            "kind": "live", **extra}  # fmt: skip


def run_record(state: Path, checks: list[dict], run_id: str = "20250101T000000Z-aaaaaa") -> dict:
    body = {"schema": "orion.run/1", "run_id": run_id, "started": "2025-01-01T00:00:00.000Z",
            "finished": "2025-01-01T00:00:01.000Z", "inventory": None, "selection": [],
            "summary": {}, "checks": checks}  # fmt: skip
    runs = state / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    for name in (f"{run_id}.json", "latest.json"):
        (runs / name).write_text(json.dumps(body))
    return body
