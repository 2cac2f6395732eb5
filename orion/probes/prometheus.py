"""Prometheus's configuration as data: scrape targets with their labels, and alerting rules, each with file:line.

Prometheus runs on synapse and scrapes both nodes, so a check on either stack reads the synapse stack's
prometheus.yml (found beside it: `monitoring_dir`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from orion import yamlsrc
from orion.errors import ConfigError
from orion.outcomes import CannotObserve
from orion.probes import located
from orion.probes.compose import Stack
from orion.probes.http import ServiceClient

MONITORING_NODE = "synapse"


def monitoring_dir(stack: Stack) -> Path:
    """The stack directory that holds Prometheus and Alertmanager, next to `stack`."""
    return stack.dir.parent / MONITORING_NODE


def rules_under_test(test_file: Path) -> list[Path]:
    """The rule files a promtool unit-test file loads (its `rule_files:`, relative to it)."""
    doc = yamlsrc.load(test_file)
    names = (doc.data or {}).get("rule_files") or [] if isinstance(doc.data, dict) else []
    return [(test_file.parent / str(name)).resolve() for name in names]


@dataclass(frozen=True)
class Target:
    job: str
    address: str
    labels: dict[str, str]
    where: str

    def on(self, node: str) -> bool:
        """Whether the target is on `node`: its `node` label, or its address (orion-<node>:port)."""
        return self.labels.get("node") == node or self.address.split(":")[0] == f"orion-{node}"


@dataclass(frozen=True)
class Rule:
    alert: str
    labels: dict[str, str]
    where: str


class PrometheusConfig:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = yamlsrc.load(path)
        if not isinstance(self.doc.data, dict):
            raise ConfigError(path, 1, "a Prometheus configuration is a mapping")
        self.data: dict[str, Any] = self.doc.data

    @staticmethod
    def of(stack: Stack) -> PrometheusConfig:
        """The Prometheus configuration beside `stack` (synapse's), read once per process."""
        return _load(located.read(monitoring_dir(stack) / "prometheus" / "prometheus.yml"))

    def where(self, *loc: str | int) -> str:
        return located.at(self.path, self.doc.line(tuple(loc)))

    @cached_property
    def targets(self) -> list[Target]:
        """Every static target of every scrape job (labels include the job's static labels)."""
        found = []
        for j, job in enumerate(self.data.get("scrape_configs") or []):
            for s, static in enumerate(job.get("static_configs") or []):
                labels = {str(k): str(v) for k, v in (static.get("labels") or {}).items()}
                for t, address in enumerate(static.get("targets") or []):
                    where = self.where("scrape_configs", j, "static_configs", s, "targets", t)
                    found.append(Target(str(job.get("job_name")), str(address), labels, where))
        return found

    def rule_files(self) -> list[Path]:
        """The rule files that `rule_files:` globs select, relative to prometheus.yml."""
        return sorted({p for pattern in self.data.get("rule_files") or [] for p in self.path.parent.glob(pattern)})

    @cached_property
    def rules(self) -> list[Rule]:
        """Every alerting rule of every rule file."""
        found = []
        for path in self.rule_files():
            doc = yamlsrc.load(path)
            for g, group in enumerate((doc.data or {}).get("groups") or []):
                for r, rule in enumerate(group.get("rules") or []):
                    if "alert" in rule:
                        labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
                        where = located.at(path, doc.line(("groups", g, "rules", r)))
                        found.append(Rule(str(rule["alert"]), labels, where))
        return found

    @property
    def rules_where(self) -> str:
        """Where the rule files are chosen (the `rule_files:` key)."""
        return self.where("rule_files")


_load = cache(PrometheusConfig)


def seconds_since_configured(client: ServiceClient) -> float:
    """How long ago the running Prometheus started or last loaded its configuration (`/api/v1/status/runtimeinfo`).

    Until its first service discovery a fresh Prometheus lists no target at all: that is not yet an observation.
    Raises SubjectDown when Prometheus is down (through the client), CannotObserve when it names no start time.
    """
    info = client.json("/api/v1/status/runtimeinfo").get("data") or {}
    stamps = []
    for key in ("startTime", "lastConfigTime"):
        try:
            stamps.append(datetime.fromisoformat(str(info.get(key))))
        except ValueError:
            continue
    if not stamps:
        raise CannotObserve(f"{client.service.name}: /api/v1/status/runtimeinfo has no startTime")
    return (datetime.now(UTC) - max(stamps)).total_seconds()


def query(client: ServiceClient, promql: str) -> list[dict[str, Any]]:
    """An instant query's result vector (`/api/v1/query`): [{"metric": {…}, "value": [t, "v"]}, …].

    Raises SubjectDown when Prometheus is down (through the client), CannotObserve when it refuses the query."""
    body = client.json("/api/v1/query", params={"query": promql})
    if body.get("status") != "success":
        raise CannotObserve(f"{client.service.name}: query {promql!r} failed: {body.get('error', body.get('status'))}")
    return list((body.get("data") or {}).get("result") or [])


def query_range(client: ServiceClient, promql: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
    """A range query's result matrix (`/api/v1/query_range`): [{"metric": {…}, "values": [[t, "v"], …]}, …]."""
    params = {"query": promql, "start": f"{start:.0f}", "end": f"{end:.0f}", "step": f"{step:.0f}"}
    body = client.json("/api/v1/query_range", params=params)
    if body.get("status") != "success":
        raise CannotObserve(f"{client.service.name}: query {promql!r} failed: {body.get('error', body.get('status'))}")
    return list((body.get("data") or {}).get("result") or [])


@dataclass(frozen=True)
class Scraped:
    """One active target of the running Prometheus: its job, the address its configuration gave (before
    relabelling: a blackbox probe's URL), its health and last error."""

    job: str
    address: str
    health: str
    error: str


def scraped(client: ServiceClient) -> list[Scraped]:
    """The running Prometheus's active targets (`/api/v1/targets?state=active`)."""
    data = client.json("/api/v1/targets?state=active").get("data") or {}
    found = []
    for t in data.get("activeTargets") or []:
        discovered, labels = t.get("discoveredLabels") or {}, t.get("labels") or {}
        job = str(labels.get("job") or discovered.get("job") or "")
        address = str(discovered.get("__address__") or labels.get("instance") or "")
        found.append(Scraped(job, address, str(t.get("health", "unknown")), str(t.get("lastError") or "")))
    return found
