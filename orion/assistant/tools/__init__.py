"""The assistant's named tools: the only things an answer (or the LLM) can call. Each is read-only, bounded in
time, and returns data with the citation of its source (orion.assistant.tools.base.Result) or raises SourceDown.

`REGISTRY` describes them for Ollama's tool calling (a JSON schema per tool); `invoke` runs one by name and
refuses any other name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from orion import inventory as inventory_mod
from orion.assistant.tools import checks, logs, media, metrics
from orion.assistant.tools.base import Result, SourceDown


@dataclass
class Context:
    inv: inventory_mod.Inventory
    state: Path
    now: datetime = field(default_factory=lambda: datetime.now().astimezone())


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    params: dict[str, Any]  # JSON-schema properties
    run: Callable[..., Result]


def _hours(ctx: Context, hours: Any) -> tuple[datetime, datetime]:
    span = min(max(float(hours or 1), 0.1), 48.0)
    return ctx.now - timedelta(hours=span), ctx.now


_NODE = {"node": {"type": "string", "enum": ["cortex", "synapse"]}}
_HOURS = {"hours": {"type": "number"}}

TOOLS = [
    Tool(
        "node_memory",
        "Memory, swap and top consumers of a node (synapse is the Pi 2)",
        _NODE,
        lambda ctx, node="synapse": metrics.memory(ctx.inv, node if node in ("cortex", "synapse") else "synapse"),
    ),
    Tool(
        "container_usage",
        "CPU and memory per container (top 10)",
        {},
        lambda ctx: Result(
            "prometheus.containers",
            {
                "cpu": metrics.run(ctx.inv, "container_cpu").data,
                "memory": metrics.run(ctx.inv, "container_memory").data,
            },
            f"PromQL `{metrics.promql('container_cpu')}`; `{metrics.promql('container_memory')}`",
        ),
    ),
    Tool(
        "container_restarts", "Containers restarted in the last 24 h", {}, lambda ctx: metrics.run(ctx.inv, "restarts")
    ),
    Tool(
        "hdd_usage",
        "HDD free space, largest folders, growth",
        {},
        lambda ctx: metrics.hdd(ctx.inv),
    ),
    Tool("backup_ages", "Age and exit code of each backup", {}, lambda ctx: metrics.backups(ctx.inv)),
    Tool(
        "targets_down", "Prometheus scrape targets that are down", {}, lambda ctx: metrics.run(ctx.inv, "targets_down")
    ),
    Tool(
        "log_errors",
        "Error log lines per service, last N hours",
        _HOURS,
        lambda ctx, hours=1: logs.errors(ctx.inv, *_hours(ctx, hours)),
    ),
    Tool(
        "log_jobs",
        "Jobs that ran (backups, timers), last N hours",
        _HOURS,
        lambda ctx, hours=12: logs.jobs(ctx.inv, *_hours(ctx, hours)),
    ),
    Tool("latest_run", "Orion's latest check run and what fails", {}, lambda ctx: _latest_summary(ctx)),
    Tool(
        "requirement_history",
        "Recent results of one requirement (e.g. MEDIA-01)",
        {"req": {"type": "string", "description": "requirement ID like MEDIA-01"}},
        lambda ctx, req="": checks.requirement(ctx.state, str(req).upper()),
    ),
    Tool(
        "remediations",
        "Remediation attempts over the last hours",
        _HOURS,
        lambda ctx, hours=24: checks.remediations(ctx.state, *_hours(ctx, hours)),
    ),
    Tool("media_unwatched", "Recently added unwatched movies/episodes", {}, lambda ctx: media.unwatched(ctx.inv)),
    Tool(
        "torrent_status",
        "qBittorrent status, torrents and speeds",
        {},
        lambda ctx: metrics.torrents(ctx.inv),
    ),
    Tool("torrent_list", "qBittorrent's torrents by state, from its own API", {}, lambda ctx: media.torrents(ctx.inv)),
]
REGISTRY = {t.name: t for t in TOOLS}


def _latest_summary(ctx: Context) -> Result:
    res = checks.latest_run(ctx.state)
    body = res.data
    failing = sorted({r for c in body.get("checks", []) if c.get("outcome") in ("failed", "error") for r in c["req"]})
    return Result(res.tool, {"run_id": body.get("run_id"), "finished": body.get("finished"),
                             "summary": body.get("summary"), "failing": failing}, res.source)  # fmt: skip


class UnknownTool(LookupError):
    pass


def invoke(ctx: Context, name: str, args: dict[str, Any] | None = None) -> Result:
    """Run the named tool; any other name is UnknownTool. Unknown arguments are dropped, not passed on."""
    tool = REGISTRY.get(name)
    if tool is None:
        raise UnknownTool(name)
    kwargs = {k: v for k, v in (args or {}).items() if k in tool.params}
    return tool.run(ctx, **kwargs)


#: The tools the model may call: a few, so that their schemas keep the prompt under its budget (600 tokens).
FOR_MODEL = ("node_memory", "container_usage", "hdd_usage", "backup_ages", "log_errors", "log_jobs", "latest_run",
             "media_unwatched", "torrent_status")  # fmt: skip


def schemas() -> list[dict[str, Any]]:
    """The model's tools as Ollama's `tools=[…]` expects them (function schemas)."""
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description,
                                          "parameters": {"type": "object", "properties": t.params}}}
        for t in TOOLS if t.name in FOR_MODEL
    ]  # fmt: skip


__all__ = ["REGISTRY", "TOOLS", "Context", "Result", "SourceDown", "UnknownTool", "invoke", "schemas"]
