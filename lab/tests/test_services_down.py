"""A stopped service is a failure of its own requirement, never an error.

Orion still reaches the place it observes from (the host, the Docker engine); the service itself is down: the
connection refused, Caddy's 502 when Authelia is gone, `docker exec` into a stopped container, a namespace left
without a route. Each of those must be `failed` with that as evidence (orion.outcomes.SubjectDown), so that
remediation acts on it; `error` is only for when Orion cannot tell.

To keep the run short, services are stopped a group at a time, with one run of their requirements' live checks
per group. Two
services of the same requirement are in different groups, so that neither hides the other (Prometheus and the
node_exporters, Caddy and Authelia, qBittorrent and the Gluetun whose namespace it lives in).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import docker
import pytest
from labkit import checks, outcomes, until_all, unwell

from orion.evidence_audit import missing_evidence

PROJECT = "com.docker.compose.project"
#: How long a namespace owner may take to run again before its dependents can be restarted.
RESTART_S = 90
SERVICE = "com.docker.compose.service"

#: (compose project, service) -> the requirements whose live checks look at that service.
OBSERVED_BY = {
    ("synapse", "prometheus"): ("MON-01",),  # the scrape check asks Prometheus's API
    ("synapse", "node-exporter"): ("MON-01",),  # /metrics, and Prometheus's scrape of it
    ("cortex", "node-exporter"): ("MON-01",),
    ("synapse", "alertmanager"): ("MON-03",),  # the configuration it loaded, from its API
    ("cortex", "caddy"): ("SEC-06",),  # a visitor without a session, through Caddy
    ("cortex", "authelia"): ("SEC-06", "PROXY-01"),  # ...whom Caddy's forward_auth asks: Caddy answers 502
    ("cortex", "gluetun"): ("TORR-01", "TORR-02"),  # its control server, its killswitch, its namespace
    ("cortex", "qbittorrent"): ("TORR-01", "TORR-02"),  # the egress probes run inside it
}
GROUPS = {
    "prometheus-alertmanager-caddy-qbittorrent": [
        ("synapse", "prometheus"),
        ("synapse", "alertmanager"),
        ("cortex", "caddy"),
        ("cortex", "qbittorrent"),
    ],
    "node-exporters-authelia-gluetun": [
        ("synapse", "node-exporter"),
        ("cortex", "node-exporter"),
        ("cortex", "authelia"),
        ("cortex", "gluetun"),
    ],
}


@pytest.fixture(scope="module")
def engine() -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    client.close()


def container(engine: docker.DockerClient, project: str, service: str):
    found = engine.containers.list(all=True, filters={"label": [f"{PROJECT}={project}", f"{SERVICE}={service}"]})
    assert found, f"the lab has no container for {project}/{service}"
    return found[0]


def start_again(engine: docker.DockerClient, stopped: list) -> None:
    """Start what was stopped, then restart the containers living in a restarted one's network namespace
    (qBittorrent in Gluetun's): they still hold the namespace that died with it. A namespace owner may restart
    once while it comes up (its restart policy): dependents are restarted only once it runs, with retries."""
    problems = []
    for c in stopped:
        try:
            c.start()
        except docker.errors.APIError as exc:
            problems.append(f"{c.name}: {exc}")
    assert not problems, f"could not start again: {problems}"
    ids = {c.id for c in stopped}
    dependents = [c for c in engine.containers.list(all=True)
                  if c.attrs["HostConfig"].get("NetworkMode", "").removeprefix("container:") in ids]  # fmt: skip
    deadline = time.monotonic() + RESTART_S
    for c in dependents:
        while True:
            try:
                c.restart(timeout=5)
                break
            except docker.errors.APIError as exc:
                assert time.monotonic() < deadline, f"could not restart {c.name} in {RESTART_S} s: {exc}"
                time.sleep(2)


@pytest.mark.parametrize("group", list(GROUPS))
def test_a_stopped_service_fails_its_own_requirement_and_never_errors(lab, engine, tmp_path, group):
    services = GROUPS[group]
    reqs = sorted({req for s in services for req in OBSERVED_BY[s]})
    before = until_all(tmp_path, set(reqs), want_red=False)
    assert not unwell(before), f"not green before stopping {group}: {unwell(before)}"
    stopped = [container(engine, *s) for s in services]
    try:
        for c in stopped:
            c.stop(timeout=5)
        record = checks(tmp_path, *(a for req in reqs for a in ("--req", req)))  # theirs: what else is red is moot
    finally:
        start_again(engine, stopped)
    for req in reqs:
        seen = outcomes(record, req)
        assert "failed" in seen.values(), f"{group} stopped, yet {req} did not fail: {json.dumps(seen, indent=1)}"
        errors = {nodeid: unwell(record, req)[nodeid] for nodeid, outcome in seen.items() if outcome == "error"}
        assert not errors, f"{group} stopped: {req} has checks in error, not failed: {json.dumps(errors, indent=1)}"
    assert not (bare := missing_evidence(record)), f"{group} stopped: failures without evidence: {bare}"
    after = until_all(tmp_path, {*reqs, "MAINT-04"}, want_red=False)
    assert not unwell(after), f"not green again after starting {group}: {json.dumps(unwell(after), indent=1)}"
