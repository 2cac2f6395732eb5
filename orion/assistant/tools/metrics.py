"""Named PromQL queries on the homelab's Prometheus (`/api/v1/query`): memory and swap per node with the top
containers and processes, CPU and memory per container, restarts, the HDD's folders and their growth, backup
ages. Every result cites its query; Prometheus down is SourceDown("prometheus", why)."""

from __future__ import annotations

from typing import Any

from orion import inventory as inventory_mod
from orion.assistant.tools.base import Result, call, client
from orion.probes import prometheus

SOURCE = "prometheus"
#: The HDD's mount point as node-exporter names it (/mnt/hdd on the Pi; the lab's loop mount ends in /hdd).
HDD = 'mountpoint=~"(.*/)?(mnt/)?hdd"'

#: Every named query: name -> PromQL ($node is a node label, cortex or synapse).
QUERIES: dict[str, str] = {
    "mem_total": 'node_memory_MemTotal_bytes{node="$node"}',
    "mem_available": 'node_memory_MemAvailable_bytes{node="$node"}',
    "swap_total": 'node_memory_SwapTotal_bytes{node="$node"}',
    "swap_free": 'node_memory_SwapFree_bytes{node="$node"}',
    "swap_in_rate": 'rate(node_vmstat_pswpin{node="$node"}[15m])',
    "swap_out_rate": 'rate(node_vmstat_pswpout{node="$node"}[15m])',
    # cAdvisor (per container) and Orion's process textfile (per process, provisioning/roles/maintenance).
    "top_containers_memory": 'topk(5, sum by (name) (container_memory_working_set_bytes{node="$node",name!=""}))',
    "top_containers_swap": 'topk(5, sum by (name) (container_memory_swap{node="$node",name!=""}))',
    "top_processes_memory": 'topk(5, orion_process_resident_bytes{node="$node"})',
    "top_processes_swap": 'topk(5, orion_process_swap_bytes{node="$node"})',
    "container_cpu": 'topk(10, sum by (name, node) (rate(container_cpu_usage_seconds_total{name!=""}[5m])))',
    "container_memory": 'topk(10, sum by (name, node) (container_memory_working_set_bytes{name!=""}))',
    "restarts": 'sum by (name, node) (changes(container_start_time_seconds{name!=""}[24h])) > 0',
    "hdd_size": f"node_filesystem_size_bytes{{{HDD}}}",
    "hdd_avail": f"node_filesystem_avail_bytes{{{HDD}}}",
    # provisioning/roles/maintenance/files/orion-hdd-usage (hourly, on cortex): depth 1 and 2 under the HDD.
    "hdd_folders": 'topk(8, orion_hdd_folder_bytes{depth="1"})',
    "hdd_subfolders": 'topk(6, orion_hdd_folder_bytes{depth="2"})',
    "hdd_usage_age": "time() - orion_hdd_usage_last_run_timestamp_seconds",
    "hdd_growth_1d": "orion_hdd_folder_bytes - orion_hdd_folder_bytes offset 1d",
    "hdd_growth_7d": "orion_hdd_folder_bytes - orion_hdd_folder_bytes offset 7d",
    "backup_age": "time() - orion_backup_last_success_timestamp_seconds",
    "backup_exit": "orion_backup_last_exit_code",
    "targets_down": "up == 0",
    # qBittorrent's textfile exporter (the stack's qbittorrent-exporter: stacks/cortex/qbittorrent/).
    "torrent_up": "qbittorrent_up",
    "torrent_connection": "qbittorrent_connection_status == 1",
    "torrent_counts": '{__name__=~"qbittorrent_torrents|qbittorrent_torrents_active|qbittorrent_torrents_errored"}',
    "torrent_speeds": '{__name__=~"qbittorrent_download_speed_bytes|qbittorrent_upload_speed_bytes"}',
}


def promql(name: str, node: str = "synapse") -> str:
    return QUERIES[name].replace("$node", node)


def run(inv: inventory_mod.Inventory, name: str, node: str = "synapse") -> Result:
    """One named query: its samples as [{"labels": {…}, "value": float}], citing the PromQL."""
    expr = promql(name, node)
    prom = client(inv, SOURCE)
    rows = call(SOURCE, lambda: prometheus.query(prom, expr))
    data = [{"labels": dict(r.get("metric") or {}), "value": float(r["value"][1])} for r in rows]
    return Result(f"prometheus.{name}", data, f"PromQL `{expr}`")


def scalar(result: Result) -> float | None:
    """The first sample's value, None when the query returned nothing."""
    return result.data[0]["value"] if result.data else None


def memory(inv: inventory_mod.Inventory, node: str) -> Result:
    """A node's memory and swap, its swap activity and its top containers and processes (what exists)."""
    names = ("mem_total", "mem_available", "swap_total", "swap_free", "swap_in_rate", "swap_out_rate")
    values: dict[str, Any] = {}
    sources = []
    for name in names:
        res = run(inv, name, node)
        values[name] = scalar(res)
        sources.append(res.source)
    tops: dict[str, list[dict[str, Any]]] = {}
    for name in ("top_containers_memory", "top_containers_swap", "top_processes_memory", "top_processes_swap"):
        res = run(inv, name, node)
        tops[name] = [{"name": _who(r["labels"]), "bytes": r["value"]} for r in res.data]
        sources.append(res.source)
    return Result("prometheus.memory", {"node": node, **values, **tops}, "; ".join(sources))


def hdd(inv: inventory_mod.Inventory) -> Result:
    """The HDD's size and free space, its largest folders and their growth over 1 and 7 days."""
    size, avail = run(inv, "hdd_size"), run(inv, "hdd_avail")
    folders, subfolders = run(inv, "hdd_folders"), run(inv, "hdd_subfolders")
    growth = {days: run(inv, f"hdd_growth_{days}d") for days in (1, 7)}
    age = run(inv, "hdd_usage_age")

    def rows(res: Result) -> list[dict[str, Any]]:
        found = []
        for sample in res.data:
            path = sample["labels"].get("path", "?")
            grew = {d: next((g["value"] for g in res.data if g["labels"].get("path") == path), None)
                    for d, res in growth.items()}  # fmt: skip
            found.append({"path": path, "bytes": sample["value"], "growth_1d": grew[1], "growth_7d": grew[7]})
        return sorted(found, key=lambda r: -r["bytes"])

    data = {"size": scalar(size), "avail": scalar(avail), "folders": rows(folders), "subfolders": rows(subfolders),
            "measured_s": scalar(age)}  # fmt: skip
    cites = [size.source, avail.source, folders.source, subfolders.source, growth[1].source, growth[7].source]
    return Result("prometheus.hdd", data, "; ".join(cites))


def backups(inv: inventory_mod.Inventory) -> Result:
    """Each backup kind's age (seconds since its last success) and last exit code."""
    age, code = run(inv, "backup_age"), run(inv, "backup_exit")
    exits = {_backup(r["labels"]): r["value"] for r in code.data}
    rows = [{"kind": _backup(r["labels"]), "age_s": r["value"], "exit": exits.get(_backup(r["labels"]))}
            for r in age.data]  # fmt: skip
    rows.sort(key=lambda r: r["kind"])
    return Result("prometheus.backups", rows, f"{age.source}; {code.source}")


def _backup(labels: dict[str, str]) -> str:
    """A backup's name: its kind, and its repository when it has one (local, offsite)."""
    kind = labels.get("kind", "?")
    return f"{kind}/{labels['repository']}" if labels.get("repository") else kind


def torrents(inv: inventory_mod.Inventory) -> Result:
    """qBittorrent as its exporter reports it: up, connection status, torrent counts and speeds."""
    parts = {name: run(inv, f"torrent_{name}") for name in ("up", "connection", "counts", "speeds")}
    data = {
        "up": scalar(parts["up"]),
        "connection": next((r["labels"].get("status") for r in parts["connection"].data), None),
        **{r["labels"].get("__name__", "?").removeprefix("qbittorrent_"): r["value"]
           for key in ("counts", "speeds") for r in parts[key].data},
    }  # fmt: skip
    return Result("prometheus.torrents", data, "; ".join(p.source for p in parts.values()))


def _who(labels: dict[str, str]) -> str:
    return labels.get("name") or labels.get("comm") or labels.get("process") or labels.get("container") or "?"
