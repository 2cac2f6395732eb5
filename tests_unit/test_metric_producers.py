"""Every metric an alert rule or a Grafana dashboard reads is produced by something the project deploys.

A rule over a metric nothing produces never fires (or, under `absent()`, fires forever); a panel over one stays
empty. Each name read is matched to its producer: an exporter that Prometheus scrapes (its job must exist in
prometheus.yml), or a textfile collector the project installs (the name must be in the script that writes it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orion import PROJECT_ROOT, yamlsrc

SYNAPSE = PROJECT_ROOT / "stacks/synapse"
RULES = sorted((SYNAPSE / "prometheus/rules").glob("*.yml"))
RULE_TESTS = sorted((SYNAPSE / "prometheus/tests").glob("*.yml"))
DASHBOARDS = sorted((SYNAPSE / "grafana/dashboards").glob("*.json"))
CHECKS = PROJECT_ROOT / "checks"

#: Exporters by metric-name prefix, with the Prometheus job that scrapes them.
EXPORTERS = {
    "node_": "node",  # node-exporter
    "probe_": "blackbox-http",  # blackbox-exporter, through its probe jobs
    "container_": "cadvisor",
    "prometheus_": "prometheus",
    "scrape_": "prometheus",
    "alertmanager_": "alertmanager",
    "loki_distributor_": "loki",
    "loki_write_": "alloy",  # the log shipper's loki.write component
    "cloudflared_": "cloudflared",
    "caddy_": "caddy",
}
#: Series Prometheus makes itself, whatever it scrapes.
PROMETHEUS_OWN = {"up", "ALERTS", "ALERTS_FOR_STATE"}
#: Textfile collectors the project installs (node-exporter's `node` job exports what they write). A name counts
#: when the script writes a sample of it (`name{…}`, `name $value`) or its `# TYPE` line, or (a Python writer)
#: names it as a string.
TEXTFILE_WRITERS = [
    PROJECT_ROOT / "stacks/synapse/restic/backup.sh",
    PROJECT_ROOT / "provisioning/roles/maintenance/files/orion-open-ports",
    PROJECT_ROOT / "provisioning/roles/maintenance/files/orion-smartmon",
    PROJECT_ROOT / "orion/report/metrics.py",  # Orion's own results, after every `orion check`
    PROJECT_ROOT / "stacks/cortex/qbittorrent/qbittorrent-textfile.py",  # the stack's qbittorrent-exporter
]
#: Read before their producer exists, and why. Never under `absent()`: that would fire until the producer comes.
PENDING: dict[str, str] = {}

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}|\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w.])(\s*\()?")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
             "group_right", "inf", "nan", "Inf", "NaN", "atan2"}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are neither functions nor keywords, outside
    strings, label matchers, ranges and grouping clauses."""
    text = _GROUPING.sub(" ", _MATCHERS.sub(" ", _STRINGS.sub('""', expr)))
    text = re.sub(r"\b\d+(?:\.\d+)?(?:[smhdwy]|ms)?\b", " ", text)  # numbers, durations (`offset 1h`)
    return {m[1] for m in _IDENT.finditer(text) if not m[2] and m[1] not in _KEYWORDS}


def absent_names(expr: str) -> set[str]:
    return {name for inner in re.findall(r"\babsent(?:_over_time)?\s*\(([^()]*)", expr) for name in metric_names(inner)}


def rule_exprs() -> list[tuple[str, str]]:
    found = []
    for path in RULES:
        doc = yamlsrc.load(path)
        for g, group in enumerate(doc.data.get("groups", [])):
            for r, rule in enumerate(group.get("rules", [])):
                where = f"{path.relative_to(PROJECT_ROOT)}:{doc.line(('groups', g, 'rules', r, 'expr'))}"
                found.append((where, str(rule["expr"])))
    return found


def dashboard_exprs() -> list[tuple[str, str]]:
    """Every Prometheus target's `expr` (Loki targets, LogQL, are not metrics)."""
    found: list[tuple[str, str]] = []

    def walk(node: object, path: Path, title: str, loki: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, path, title, loki)
        elif isinstance(node, dict):
            loki = loki or "loki" in json.dumps(node.get("datasource", "")).lower()
            title = str(node.get("title", title))
            if isinstance(node.get("expr"), str) and not loki:
                found.append((f"{path.relative_to(PROJECT_ROOT)} ({title})", node["expr"]))
            for key, value in node.items():
                if key != "datasource":
                    walk(value, path, title, loki)

    for path in DASHBOARDS:
        walk(json.loads(path.read_text()), path, "", False)
    return found


def scrape_jobs() -> set[str]:
    config = yamlsrc.load(SYNAPSE / "prometheus/prometheus.yml").data
    return {job["job_name"] for job in config["scrape_configs"]}


def producer(name: str) -> str | None:
    """What produces `name`, or None."""
    if name in PROMETHEUS_OWN:
        return "Prometheus"
    for prefix, job in EXPORTERS.items():
        if name.startswith(prefix):
            return f"job {job}" if job in scrape_jobs() else None
    for writer in TEXTFILE_WRITERS:
        named = re.escape(name)
        if re.search(rf"# TYPE {named} |(?<![\w.]){named}(?:\{{|\s+\$)|[\"']{named}[\"']", writer.read_text()):
            return f"textfile {writer.name}"
    return None


READS = [*rule_exprs(), *dashboard_exprs()]


def test_the_tokenizer_finds_metrics_and_skips_functions_labels_and_keywords():
    expr = (
        'max by (instance, node) (rate(node_cpu_seconds_total{mode="idle",x=~"a|b"}[5m]) offset 1h) '
        "/ on(node) group_left count(up == 0) or vector(0) and absent(foo_bar)"
    )
    assert metric_names(expr) == {"node_cpu_seconds_total", "up", "foo_bar"}
    assert absent_names(expr) == {"foo_bar"}


def test_rules_and_dashboards_were_found():
    assert len(rule_exprs()) > 30 and len(dashboard_exprs()) > 20


@pytest.mark.parametrize(("where", "expr"), READS, ids=[w for w, _ in READS])
def test_every_metric_read_has_a_producer(where, expr):
    missing = sorted(n for n in metric_names(expr) if producer(n) is None and n not in PENDING)
    assert not missing, f"{where}: nothing in the project produces {', '.join(missing)}"


def test_no_rule_waits_under_absent_for_a_metric_still_to_come():
    forever = [f"{where}: absent({n})" for where, expr in rule_exprs() for n in absent_names(expr) if n in PENDING]
    assert not forever, f"these would fire until the producer exists: {forever}"


def test_pending_metrics_are_still_pending():
    produced = [n for n in PENDING if producer(n)]
    assert not produced, f"{produced} now have a producer: remove them from PENDING"


def test_the_rules_unit_tests_name_real_checks():
    """`check=` labels of Orion's results in the promtool tests are the names of checks that exist."""
    real = {m for path in CHECKS.rglob("test_*.py") for m in re.findall(r"^def (test_\w+)", path.read_text(), re.M)}
    used = {(path.name, m) for path in RULE_TESTS for m in re.findall(r'\bcheck="([^"]+)"', path.read_text())}
    unknown = sorted(f"{file}: {name}" for file, name in used if name not in real)
    assert not unknown, f"no such check: {unknown}"
