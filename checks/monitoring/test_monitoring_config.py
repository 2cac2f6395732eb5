"""MON-01, MON-02, MON-04, MON-05, MON-06: both nodes export metrics and logs, and synapse's Prometheus and
Grafana are configured to collect and show them."""

import pytest

from orion.expect import expect_contains, expect_none, expect_that
from orion.probes import grafana, located
from orion.probes.composespec import mounts, textfile_directory
from orion.probes.prometheus import PrometheusConfig, monitoring_dir

pytestmark = [pytest.mark.static, pytest.mark.daily]

LOKI_PUSH = "/loki/api/v1/push"


def _expect_scraped(stack, job: str):
    __tracebackhide__ = True
    config = PrometheusConfig.of(stack)
    targets = [t.address for t in config.targets if t.job == job and t.on(stack.node)]
    expect_that(bool(targets), f"Prometheus does not scrape {stack.node}'s {job}: no `{job}` target at "
                f"orion-{stack.node} or labelled node: {stack.node}", observed=targets,
                expected=f"a `{job}` target on {stack.node}", where=config.where("scrape_configs"))  # fmt: skip


@pytest.mark.req("MON-01")
def test_the_node_runs_node_exporter(stack):
    expect_contains(stack.services, "node-exporter", "no node-exporter service", where=stack.where("services"))


@pytest.mark.req("MON-01")
def test_prometheus_scrapes_the_nodes_node_exporter(stack):
    _expect_scraped(stack, "node")


@pytest.mark.req("MON-05")
def test_the_node_runs_cadvisor(stack):
    expect_contains(stack.services, "cadvisor", "no cadvisor service", where=stack.where("services"))


@pytest.mark.req("MON-05")
def test_prometheus_scrapes_the_nodes_cadvisor(stack):
    _expect_scraped(stack, "cadvisor")


@pytest.mark.req("MON-02")
def test_the_node_ships_its_container_logs_to_loki(stack):
    alloy = stack.service("alloy")
    url = alloy.environment.get("LOKI_PUSH_URL", "")
    expect_that(url.endswith(LOKI_PUSH), f"Alloy does not push its logs to Loki's {LOKI_PUSH}", observed=url,
                expected=f"http://…{LOKI_PUSH}", where=alloy.where("environment", "LOKI_PUSH_URL"))  # fmt: skip


@pytest.mark.req("MON-02")
def test_the_node_ships_its_journal(stack):
    alloy = stack.service("alloy")
    targets = [m.target for m in mounts(alloy)]
    expect_that(any(t.endswith("/journal") for t in targets), "Alloy does not read the host's journal",
                observed=targets, expected="a …/journal mount", where=alloy.where("volumes"))  # fmt: skip


@pytest.mark.req("MON-06")
def test_node_exporter_reads_the_smart_textfile_directory(stack):
    exporter = stack.service("node-exporter")
    directory = textfile_directory(exporter)
    mounted = any(m.target == directory for m in mounts(exporter))
    expect_that(bool(directory) and mounted, "node-exporter reads no mounted textfile directory, where the SMART "
                "metrics land", observed={"directory": directory or None, "mounted": mounted},
                expected={"directory": "a path", "mounted": True}, where=exporter.where("command"))  # fmt: skip


@pytest.mark.req("MON-04")
def test_grafana_provisions_prometheus_and_loki(stack):
    provisioning = monitoring_dir(stack) / "grafana" / "provisioning"
    missing = sorted({"prometheus", "loki"} - {s.type for s in grafana.datasources(provisioning)})
    expect_none(missing, "Grafana provisions no datasource of type", where=located.shown(provisioning / "datasources"))


@pytest.mark.req("MON-04")
def test_every_dashboard_uses_provisioned_datasources(stack):
    root = monitoring_dir(stack) / "grafana"
    uids = {s.uid for s in grafana.datasources(root / "provisioning")}
    dashboards = sorted((root / "dashboards").glob("*.json"))
    expect_that(bool(dashboards), "no dashboard", observed=[], expected="*.json dashboards",
                where=located.shown(root / "dashboards"))  # fmt: skip
    dangling = {located.shown(p): sorted(missing) for p in dashboards
                if (missing := grafana.dashboard_datasource_uids(p) - uids)}  # fmt: skip
    provisioned = [located.shown(p) for p in grafana.datasource_files(root / "provisioning")]
    expect_none(dangling, "dashboards use datasource uids that Grafana does not provision", where=provisioned)
