"""MON-01, MON-02, MON-04, MON-05, MON-06: both nodes export metrics and logs, and synapse's Prometheus and
Grafana are configured to collect and show them."""

import pytest

from orion.expect import expect_that
from orion.probes import grafana, located
from orion.probes.composespec import mounts
from orion.probes.prometheus import PrometheusConfig, monitoring_dir

pytestmark = [pytest.mark.static, pytest.mark.daily]

LOKI_PUSH = "/loki/api/v1/push"
TEXTFILE_FLAG = "--collector.textfile.directory="


def _expect_scraped(stack, job: str):
    __tracebackhide__ = True
    config = PrometheusConfig.of(stack)
    targets = [t for t in config.targets if t.job == job and t.on(stack.node)]
    expect_that(bool(targets), f"Prometheus does not scrape {stack.node}'s {job}: no `{job}` target at "
                f"orion-{stack.node} or labelled node: {stack.node} ({config.where('scrape_configs')})")  # fmt: skip


@pytest.mark.req("MON-01")
def test_the_node_runs_node_exporter(stack):
    expect_that("node-exporter" in stack.services, f"no node-exporter service ({stack.where('services')})")


@pytest.mark.req("MON-01")
def test_prometheus_scrapes_the_nodes_node_exporter(stack):
    _expect_scraped(stack, "node")


@pytest.mark.req("MON-05")
def test_the_node_runs_cadvisor(stack):
    expect_that("cadvisor" in stack.services, f"no cadvisor service ({stack.where('services')})")


@pytest.mark.req("MON-05")
def test_prometheus_scrapes_the_nodes_cadvisor(stack):
    _expect_scraped(stack, "cadvisor")


@pytest.mark.req("MON-02")
def test_the_node_ships_its_container_logs_to_loki(stack):
    alloy = stack.service("alloy")
    url = alloy.environment.get("LOKI_PUSH_URL", "")
    expect_that(url.endswith(LOKI_PUSH), f"Alloy pushes its logs to {url or 'nowhere'}, not to Loki's {LOKI_PUSH} "
                f"({alloy.where('environment', 'LOKI_PUSH_URL')})")  # fmt: skip


@pytest.mark.req("MON-02")
def test_the_node_ships_its_journal(stack):
    alloy = stack.service("alloy")
    journal = [m for m in mounts(alloy) if m.target.endswith("/journal")]
    expect_that(bool(journal), f"Alloy does not read the host's journal ({alloy.where('volumes')})")


@pytest.mark.req("MON-06")
def test_node_exporter_reads_the_smart_textfile_directory(stack):
    exporter = stack.service("node-exporter")
    flags = [str(a) for a in exporter.get("command") or [] if str(a).startswith(TEXTFILE_FLAG)]
    directory = flags[0].removeprefix(TEXTFILE_FLAG) if flags else ""
    mounted = any(m.target == directory for m in mounts(exporter))
    expect_that(bool(directory) and mounted, "node-exporter reads no mounted textfile directory, where the SMART "
                f"metrics land ({exporter.where('command')})")  # fmt: skip


@pytest.mark.req("MON-04")
def test_grafana_provisions_prometheus_and_loki(stack):
    provisioning = monitoring_dir(stack) / "grafana" / "provisioning"
    missing = sorted({"prometheus", "loki"} - {s.type for s in grafana.datasources(provisioning)})
    expect_that(not missing, f"Grafana provisions no {' or '.join(missing)} datasource "
                f"({located.shown(provisioning / 'datasources')})")  # fmt: skip


@pytest.mark.req("MON-04")
def test_every_dashboard_uses_provisioned_datasources(stack):
    root = monitoring_dir(stack) / "grafana"
    uids = {s.uid for s in grafana.datasources(root / "provisioning")}
    dashboards = sorted((root / "dashboards").glob("*.json"))
    expect_that(bool(dashboards), f"no dashboard in {located.shown(root / 'dashboards')}")
    dangling = [f"{located.shown(p)} uses {', '.join(sorted(missing))}" for p in dashboards
                if (missing := grafana.dashboard_datasource_uids(p) - uids)]  # fmt: skip
    provisioned = ", ".join(located.shown(p) for p in grafana.datasource_files(root / "provisioning"))
    expect_that(not dangling, f"dashboards use datasource uids that {provisioned} does not provision: "
                f"{'; '.join(dangling)}")  # fmt: skip
