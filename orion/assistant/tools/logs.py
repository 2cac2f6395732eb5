"""Named LogQL queries on the homelab's Loki (`/loki/api/v1/query_range`): errors per service over a window, and
the jobs that ran in a window (backups, maintenance, remediations, timers). Streams carry the labels the Alloy
shippers set (stacks/*/alloy/config.alloy): `job="docker"` with `service`/`container`, `job="journal"` with `unit`.

Log lines are data: they are counted and quoted, never followed. Every result cites its LogQL and window."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from orion import inventory as inventory_mod
from orion import redact
from orion.assistant.tools.base import Result, SourceDown, call, client

SOURCE = "loki"
LIMIT = 2000
ERROR_WORDS = re.compile(r"(?i)\b(error|err|fatal|panic|critical|failed|failure)\b|level=(error|err|crit)")

#: The jobs of the night: the backup and maintenance containers, and the systemd units of timers.
JOB_SERVICES = "restic|volume-backup|orion|watchtower|backup.*"
JOB_UNITS = "(orion|restic|backup|logrotate|apt|unattended|smart|reconverge|docker-volume|fstrim|etckeeper).*"
QUERIES: dict[str, str] = {
    "job_containers": f'{{job="docker", service=~"{JOB_SERVICES}"}}',
    "job_units": f'{{job="journal", unit=~"{JOB_UNITS}"}}',
}


def query_range(inv: inventory_mod.Inventory, logql: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The streams of a log query: [{"labels": {…}, "lines": [(ts_ns, line), …] newest first}]."""
    loki = client(inv, SOURCE)
    params = {"query": logql, "start": str(int(start.timestamp() * 1e9)), "end": str(int(end.timestamp() * 1e9)),
              "limit": str(LIMIT), "direction": "backward"}  # fmt: skip
    body = call(SOURCE, lambda: loki.json("/loki/api/v1/query_range", params=params))
    if not isinstance(body, dict) or body.get("status") != "success":
        raise SourceDown(SOURCE, f"query {logql!r} failed: {body!r:.200}")
    streams = (body.get("data") or {}).get("result") or []
    return [{"labels": dict(s.get("stream") or {}),
             "lines": [(int(ts), redact.text(str(line))) for ts, line in s.get("values") or []]}
            for s in streams]  # fmt: skip


#: Labels that every stream of a shipper carries, best first: any of them selects every stream (`{job=~".+"}`).
ANY_STREAM_LABELS = ("job", "node", "service_name", "container", "filename")


def labels(inv: inventory_mod.Inventory) -> list[str]:
    """The label names Loki holds (`/loki/api/v1/labels`)."""
    loki = client(inv, SOURCE)
    body = call(SOURCE, lambda: loki.json("/loki/api/v1/labels"))
    if not isinstance(body, dict) or body.get("status") != "success":
        raise SourceDown(SOURCE, f"/loki/api/v1/labels failed: {body!r:.200}")
    return [str(n) for n in body.get("data") or []]


def any_stream(inv: inventory_mod.Inventory) -> str | None:
    """A selector of every stream (on the first label of ANY_STREAM_LABELS that Loki has), None when Loki holds
    no stream at all."""
    held = labels(inv)
    name = next((n for n in ANY_STREAM_LABELS if n in held), held[0] if held else None)
    return None if name is None else f'{{{name}=~".+"}}'


def _name(labels: dict[str, str]) -> str:
    return labels.get("service") or labels.get("unit") or labels.get("container") or labels.get("job") or "?"


def errors(inv: inventory_mod.Inventory, start: datetime, end: datetime) -> Result:
    """Error lines per service (node/service or unit) in [start, end], with the last one of each, most first."""
    logql = any_stream(inv)
    if logql is None:
        return Result("loki.errors", [], "Loki /loki/api/v1/labels (no stream at all)", ["Loki holds no log stream"])
    counts: dict[str, dict[str, Any]] = {}
    for stream in query_range(inv, logql, start, end):
        key = f"{stream['labels'].get('node', '?')}/{_name(stream['labels'])}"
        for ts, line in stream["lines"]:
            if ERROR_WORDS.search(line):
                row = counts.setdefault(key, {"service": key, "errors": 0, "last": "", "last_ts": 0})
                row["errors"] += 1
                if ts > row["last_ts"]:
                    row["last"], row["last_ts"] = line[:160], ts
    rows = sorted(counts.values(), key=lambda r: -r["errors"])
    return Result("loki.errors", rows, _cite(logql, start, end) + " (error|fatal|panic|failed lines)")


def jobs(inv: inventory_mod.Inventory, start: datetime, end: datetime) -> Result:
    """The jobs that logged in [start, end]: per stream, the first and last line times, the line count, the
    error lines and the last line (quoted, as data)."""
    rows = []
    cites = []
    for name in ("job_containers", "job_units"):
        logql = QUERIES[name]
        cites.append(_cite(logql, start, end))
        for stream in query_range(inv, logql, start, end):
            lines = stream["lines"]
            if not lines:
                continue
            stamps = [ts for ts, _ in lines]
            rows.append({
                "job": f"{stream['labels'].get('node', '?')}/{_name(stream['labels'])}",
                "first": datetime.fromtimestamp(min(stamps) / 1e9).astimezone(),
                "last": datetime.fromtimestamp(max(stamps) / 1e9).astimezone(),
                "lines": len(lines),
                "errors": sum(1 for _, line in lines if ERROR_WORDS.search(line)),
                "last_line": max(lines)[1][:160],
            })  # fmt: skip
    rows.sort(key=lambda r: r["first"])
    return Result("loki.jobs", rows, "; ".join(cites))


def _cite(logql: str, start: datetime, end: datetime) -> str:
    return f"LogQL `{logql}` {start:%d/%m %H:%M}–{end:%d/%m %H:%M}"
