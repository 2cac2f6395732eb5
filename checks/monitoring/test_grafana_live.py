"""MON-04, live: the running Grafana has the Prometheus and Loki datasources that the stack provisions, each
answers Grafana's own health check (Grafana asks the datasource), and every dashboard of the stack is provisioned
and loads (`/api/dashboards/uid/<uid>`, with its panels)."""

import pytest

from orion.errors import ConfigError
from orion.expect import At, expect_none
from orion.outcomes import CannotObserve
from orion.probes.compose import Stack
from orion.probes.grafana import dashboard_files, dashboard_uid, datasources, provisioning_dir

pytestmark = [pytest.mark.req("MON-04"), pytest.mark.daily, pytest.mark.live, pytest.mark.on("synapse")]

#: The datasources whose health the dashboards depend on (seed MON-04: metrics and logs).
KEY_TYPES = ("prometheus", "loki")


def _stack_dir(node):
    try:
        return Stack(node.node).dir
    except ConfigError as exc:
        raise CannotObserve(f"cannot read the stack: {exc}") from None


def test_grafana_has_healthy_prometheus_and_loki_datasources(node, http):
    grafana = http("grafana")
    wanted = [d for d in datasources(provisioning_dir(_stack_dir(node))) if d.type in KEY_TYPES]
    running = {d.get("uid") for d in grafana.json("/api/datasources")}
    unhealthy = []
    for ds in wanted:
        if ds.uid not in running:
            unhealthy.append(At(f"{ds.name}: not provisioned in the running Grafana", ds.where))
            continue
        answer = grafana.get(f"/api/datasources/uid/{ds.uid}/health")
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.status_code != 200 or body.get("status") != "OK":
            said = body.get("message", answer.text[:120])
            unhealthy.append(At(f"{ds.name}: health {answer.status_code} {said}", ds.where))
    expect_none(unhealthy, "Grafana datasources that do not answer")


def test_every_dashboard_of_the_stack_loads(node, http):
    grafana, files = http("grafana"), dashboard_files(_stack_dir(node))
    broken = {}
    for path in files:
        uid = dashboard_uid(path)
        answer = grafana.get(f"/api/dashboards/uid/{uid}")
        body = answer.json() if answer.status_code == 200 else {}
        panels = (body.get("dashboard") or {}).get("panels") or []
        if answer.status_code != 200 or not panels or not (body.get("meta") or {}).get("provisioned"):
            broken[f"{uid} ({path.name})"] = f"HTTP {answer.status_code}, {len(panels)} panels"
    expect_none(broken, "dashboards of the stack that Grafana does not load",
                where=[str(p) for p in files])  # fmt: skip
