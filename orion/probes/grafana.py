"""Grafana's provisioning: datasources (with their uids) and the dashboards that reference them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orion import yamlsrc
from orion.errors import ConfigError
from orion.probes import located


@dataclass(frozen=True)
class Datasource:
    name: str
    type: str
    uid: str
    where: str


def datasource_files(provisioning: Path) -> list[Path]:
    return sorted((provisioning / "datasources").glob("*.y*ml"))


def datasources(provisioning: Path) -> list[Datasource]:
    """Every datasource of the provisioning directory's datasources/*.yaml|yml files."""
    found = []
    for path in datasource_files(provisioning):
        doc = yamlsrc.load(path)
        for i, ds in enumerate((doc.data or {}).get("datasources") or []):
            where = located.at(path, doc.line(("datasources", i)))
            found.append(Datasource(str(ds.get("name")), str(ds.get("type")), str(ds.get("uid", "")), where))
    return found


def dashboard_datasource_uids(path: Path) -> set[str]:
    """The datasource uids a dashboard JSON references (template variables such as ${DS} excluded)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(path, getattr(exc, "lineno", None), f"not a dashboard: {exc}") from None
    return {uid for uid in _uids(data) if not uid.startswith("$")}


def _uids(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ds = node.get("datasource")
        if isinstance(ds, dict) and isinstance(ds.get("uid"), str):
            found.add(ds["uid"])
        for value in node.values():
            found |= _uids(value)
    elif isinstance(node, list):
        for item in node:
            found |= _uids(item)
    return found


def provisioning_dir(synapse_stack_dir: Path) -> Path:
    """The stack's Grafana provisioning directory (datasources/, dashboards/ providers)."""
    return synapse_stack_dir / "grafana" / "provisioning"


def dashboard_files(synapse_stack_dir: Path) -> list[Path]:
    """The dashboard JSON files the stack provisions (grafana/dashboards/*.json)."""
    return sorted((synapse_stack_dir / "grafana" / "dashboards").glob("*.json"))


def dashboard_uid(path: Path) -> str:
    """The uid of a dashboard JSON file (its `uid`, else the file's stem, as Grafana's file provider does)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(path, getattr(exc, "lineno", None), f"not a dashboard: {exc}") from None
    return str(data.get("uid") or path.stem) if isinstance(data, dict) else path.stem
