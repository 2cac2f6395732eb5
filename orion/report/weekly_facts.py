"""What Prometheus says about the week, for the weekly report: the HDD's use and growth, swap, container restarts
and backup ages. When Prometheus cannot be asked, the facts say why instead (the report then says so).

Queries go through orion.probes.prometheus with the inventory's `prometheus` service; a measurement Prometheus
does not hold (no cAdvisor, no backup metric yet) is reported as missing, never as zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from orion import inventory as inventory_mod
from orion.errors import ConfigError
from orion.outcomes import CannotObserve, SubjectDown
from orion.probes import desired
from orion.probes.http import ServiceClient
from orion.probes.prometheus import query, query_range

WEEK_S = 7 * 86400
STEP_S = 6 * 3600


@dataclass
class Facts:
    error: str | None = None  # why Prometheus could not be asked
    hdd_mount: str = "/mnt/hdd"
    hdd_size: float | None = None  # bytes
    hdd_used: float | None = None
    hdd_growth: float | None = None  # bytes over the week
    hdd_series: list[tuple[float, float]] = field(default_factory=list)  # (unix time, used bytes)
    swap_max: dict[str, float] = field(default_factory=dict)  # node -> highest swap use this week, 0..1
    restarts: dict[str, int] | None = None  # compose service -> restarts this week; None: not measured
    backup_age_s: dict[str, float] = field(default_factory=dict)  # kind -> seconds since the last success


def gather(inv: inventory_mod.Inventory | None, now: float) -> Facts:
    if inv is None:
        return Facts(error="no inventory")
    found = inv.service("prometheus")
    if found is None:
        return Facts(error="the inventory has no prometheus service")
    host, service = found
    cortex = inv.on("cortex")
    mount = str(desired.var(cortex[0], "storage", "storage_mount_point")) if cortex else "/mnt/hdd"
    client = ServiceClient(host, service)
    facts = Facts(hdd_mount=mount)
    try:
        _hdd(client, facts, now)
        _swap(client, facts, now)
        _restarts(client, facts, now)
        _backups(client, facts, now)
    except (SubjectDown, CannotObserve, ConfigError) as exc:
        return Facts(error=str(exc), hdd_mount=mount)
    finally:
        client.close()
    return facts


def _value(sample: dict[str, Any]) -> float:
    return float(sample["value"][1])


def _hdd(client: ServiceClient, facts: Facts, now: float) -> None:
    # The HDD is the storage role's mount point; a lab's node exporter may see it under a longer path ending in
    # /hdd, so that is accepted too.
    sel = f'node="cortex", mountpoint=~"{re.escape(facts.hdd_mount)}|.*/hdd"'
    size = query(client, f"max(node_filesystem_size_bytes{{{sel}}})")
    if not size:
        return
    used_expr = f"max(node_filesystem_size_bytes{{{sel}}} - node_filesystem_avail_bytes{{{sel}}})"
    facts.hdd_size = _value(size[0])
    used = query(client, used_expr)
    facts.hdd_used = _value(used[0]) if used else None
    series = query_range(client, used_expr, now - WEEK_S, now, STEP_S)
    if series:
        facts.hdd_series = [(float(t), float(v)) for t, v in series[0].get("values", [])]
        if len(facts.hdd_series) >= 2:
            facts.hdd_growth = facts.hdd_series[-1][1] - facts.hdd_series[0][1]


def _swap(client: ServiceClient, facts: Facts, now: float) -> None:
    expr = ("max by (node) (max_over_time(((1 - node_memory_SwapFree_bytes / node_memory_SwapTotal_bytes) "
            "and node_memory_SwapTotal_bytes > 0)[7d:30m]))")  # fmt: skip
    facts.swap_max = {str(s["metric"].get("node", "?")): _value(s) for s in query(client, expr)}


def _restarts(client: ServiceClient, facts: Facts, now: float) -> None:
    if not query(client, "count(container_start_time_seconds)"):
        return  # no cAdvisor: restarts are not measured
    expr = ('sum by (container_label_com_docker_compose_service) (changes(container_start_time_seconds'
            '{container_label_com_docker_compose_service!=""}[7d]))')  # fmt: skip
    found = {str(s["metric"].get("container_label_com_docker_compose_service")): int(_value(s))
             for s in query(client, expr)}  # fmt: skip
    facts.restarts = {name: n for name, n in sorted(found.items()) if n > 0}


def _backups(client: ServiceClient, facts: Facts, now: float) -> None:
    expr = "time() - max by (kind) (orion_backup_last_success_timestamp_seconds)"
    facts.backup_age_s = {str(s["metric"].get("kind", "?")): _value(s) for s in query(client, expr)}
