"""MEDIA-03, live: the running Prometheus probes Jellyfin's health (blackbox `probe_success`) and has the HDD's
disk-space alert loaded and evaluating.

Only the health probe counts: the probe through Caddy expects Authelia's redirect, so a dropped forward_auth fails
it while Jellyfin is fine (that is SEC-06's red, not MEDIA-03's)."""

import pytest

from orion.expect import expect_none, expect_that
from orion.outcomes import CannotObserve

pytestmark = [pytest.mark.req("MEDIA-03"), pytest.mark.critical, pytest.mark.live]

#: The HDD's space is MEDIA-05's requirement: its alert rules carry that label.
HDD_SPACE = "MEDIA-05"
HEALTH_PROBE = 'probe_success{job="blackbox-http",service="jellyfin"}'


def _data(client, path: str, **params):
    answer = client.json(path, params=params or None)
    if answer.get("status") != "success":
        raise CannotObserve(f"Prometheus {path}: {answer.get('error')}")
    return answer["data"]


def test_prometheus_probes_jellyfin_successfully(http):
    found = _data(http("prometheus"), "/api/v1/query", query=HEALTH_PROBE)["result"]
    values = {r["metric"].get("instance", "?"): r["value"][1] for r in found}
    expect_that(bool(values), "Prometheus does not probe Jellyfin", observed=values,
                expected=f"{HEALTH_PROBE} series")  # fmt: skip
    expect_none({i: "probe failed" for i, v in values.items() if v != "1"}, "Prometheus's probes of Jellyfin fail")


def test_prometheus_has_the_hdd_space_alert_loaded(http):
    groups = _data(http("prometheus"), "/api/v1/rules", type="alert")["groups"]
    rules = [r for g in groups for r in g.get("rules", []) if (r.get("labels") or {}).get("requirement") == HDD_SPACE]
    expect_that(bool(rules), "Prometheus has no HDD disk-space alert loaded",
                observed=sorted({r.get("name") for g in groups for r in g.get("rules", [])}),
                expected=f"an alert rule labelled requirement={HDD_SPACE}")  # fmt: skip
    expect_none({r["name"]: r.get("lastError") for r in rules if r.get("health") == "err"},
                "HDD disk-space alerts that fail to evaluate")  # fmt: skip
