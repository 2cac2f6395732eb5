"""What each live probe raises when it cannot see its subject answer: SubjectDown (the subject is down, the check
fails) or CannotObserve (Orion cannot tell, the check ends in error). No network: a closed local port, a local
socket that hangs up, httpx's MockTransport, fake docker containers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import docker
import httpx
import pytest

from orion import evidence
from orion.errors import ConfigError
from orion.inventory import DockerEndpoint, Host, Service
from orion.outcomes import CannotObserve, SubjectDown
from orion.probes import forwardauth, smart, tools
from orion.probes.alertmanager import AlertmanagerConfig
from orion.probes.docker import DockerNode
from orion.probes.http import ServiceClient
from orion.probes.prometheus import seconds_since_configured

HOST = Host("orion-synapse", "synapse", "127.0.0.1")


def client(url: str, handler: Callable[[httpx.Request], httpx.Response] | None = None) -> ServiceClient:
    probe = ServiceClient(HOST, Service("prometheus", url, timeout=2))
    if handler is not None:
        probe.client = httpx.Client(base_url=url, transport=httpx.MockTransport(handler))
    return probe


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on return: nothing listens there


@pytest.fixture
def hanging_up() -> Iterator[int]:
    """A port that accepts and closes at once, as Docker's port proxy does for a container that is not serving."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)

    def serve() -> None:
        try:
            while True:
                conn, _ = server.accept()
                conn.close()
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


# --- HTTP (ServiceClient): every service check -----------------------------------------------------------


def test_a_refused_connection_is_the_service_down_with_its_evidence(closed_port):
    url = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(SubjectDown) as down:
        client(url).get("/api/v1/targets")
    assert down.value.observed == "connection refused"
    assert down.value.source == f"GET {url}/api/v1/targets"
    assert str(down.value).startswith("prometheus is down: connection refused")


def test_a_connection_closed_without_an_answer_is_the_service_down(hanging_up):
    with pytest.raises(SubjectDown, match=r"closed without an answer|connection reset"):
        client(f"http://127.0.0.1:{hanging_up}").get("/")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_is_the_service_down(status):
    with pytest.raises(SubjectDown) as down:
        client("http://prometheus.test", lambda _: httpx.Response(status)).json("/api/v1/targets")
    assert (down.value.observed, down.value.source) == (f"HTTP {status}", "GET http://prometheus.test/api/v1/targets")


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("handler", "says"),
    [
        (_raise(httpx.ConnectTimeout("timed out")), "timed out"),
        (_raise(httpx.ReadTimeout("timed out")), "timed out"),
        (_raise(httpx.ConnectError("[Errno 113] No route to host")), "No route to host"),
        (_raise(httpx.ConnectError("[Errno -2] Name or service not known")), "Name or service not known"),
        (lambda _: httpx.Response(401), r"refused the credentials \(401\)"),
        (lambda _: httpx.Response(403), r"refused the credentials \(403\)"),
        (lambda _: httpx.Response(404), "answered 404"),
        (lambda _: httpx.Response(200, text="<html>"), "did not answer JSON"),
    ],
)
def test_what_orion_cannot_tell_is_cannot_observe(handler, says):
    with pytest.raises(CannotObserve, match=says):
        client("http://prometheus.test", handler).json("/api/v1/targets")


def test_a_refusal_is_returned_when_the_check_expects_no_credentials():
    assert client("http://caddy.test", lambda _: httpx.Response(401)).get("/", auth_expected=False).status_code == 401


def test_prometheus_runtime_reading_through_a_stopped_prometheus_is_down(closed_port):
    with pytest.raises(SubjectDown, match="connection refused"):
        seconds_since_configured(client(f"http://127.0.0.1:{closed_port}"))


# --- Docker (DockerNode): MAINT-04, TORR-01/02 ---------------------------------------------------------------


class FakeContainer:
    def __init__(self, service: str, status: str, exec_error: Exception | None = None) -> None:
        self.name, self.status, self.exec_error = f"{service}-1", status, exec_error
        self.labels = {"com.docker.compose.project": "cortex", "com.docker.compose.service": service}

    def exec_run(self, command: list[str], demux: bool = False) -> SimpleNamespace:
        if self.exec_error is not None:
            raise self.exec_error
        return SimpleNamespace(exit_code=0, output=b"ok\n")


def refused(status: int, reason: str) -> docker.errors.APIError:
    """What docker-py raises for an engine's error answer."""
    return docker.errors.APIError(reason, SimpleNamespace(status_code=status, url="http+docker://exec", reason=reason))


def node(*containers: FakeContainer) -> DockerNode:
    probe = DockerNode(Host("orion-cortex", "cortex", "127.0.0.1", docker=DockerEndpoint("unix:///nope", "cortex")))
    probe._client = SimpleNamespace(containers=SimpleNamespace(list=lambda **_: list(containers)))
    return probe


def test_exec_in_a_running_container_answers():
    assert node(FakeContainer("gluetun", "running")).exec("gluetun", "nft list ruleset") == (0, "ok\n")


@pytest.mark.parametrize(
    ("containers", "observed"),
    [
        ((FakeContainer("gluetun", "exited"),), "container exited"),
        ((FakeContainer("gluetun", "restarting"),), "container restarting"),
        ((), "container missing"),
        ((FakeContainer("gluetun", "running", refused(409, "Conflict")),), "container not running"),
    ],
)  # fmt: skip
def test_exec_in_a_container_that_is_not_running_is_the_subject_down(containers, observed):
    evidence.begin()
    with pytest.raises(SubjectDown) as down:
        node(*containers).exec("gluetun", "nft list ruleset")
    assert down.value.observed == observed
    assert down.value.source == "docker exec gluetun (cortex): nft list ruleset"
    assert str(down.value).startswith("orion-cortex: gluetun is down")


def test_require_running_tells_a_stopped_service_from_a_running_one():
    node(FakeContainer("caddy", "running")).require_running("caddy")
    with pytest.raises(SubjectDown) as down:
        node(FakeContainer("caddy", "exited")).require_running("caddy")
    assert (down.value.observed, down.value.subject) == ("container exited", "orion-cortex: caddy")


def test_an_engine_that_refuses_orion_is_cannot_observe():
    refusing = node()
    refusing._client = None
    refusing.endpoint = DockerEndpoint("unix:///nonexistent/docker.sock", "cortex")
    with pytest.raises(CannotObserve, match="unreachable"):
        refusing.containers()
    with pytest.raises(CannotObserve, match="no orion_docker endpoint"):
        DockerNode(Host("orion-cortex", "cortex", "127.0.0.1"))


def test_an_exec_the_engine_refuses_for_another_reason_is_cannot_observe():
    denied = FakeContainer("gluetun", "running", refused(403, "Forbidden"))
    with pytest.raises(CannotObserve, match="docker exec gluetun"):
        node(denied).exec("gluetun", "true")


# --- the other live probes -------------------------------------------------------------------------------


def test_reading_a_stopped_alertmanagers_config_is_down(closed_port):
    probe = ServiceClient(HOST, Service("alertmanager", f"http://127.0.0.1:{closed_port}", timeout=2))
    with pytest.raises(SubjectDown, match="alertmanager is down: connection refused"):
        AlertmanagerConfig.running(probe)


def test_smartctl_printing_no_json_is_cannot_observe():
    with pytest.raises(CannotObserve, match="smartctl printed no JSON"):
        smart.parse("sudo: smartctl: command not found")


def test_a_validation_tool_missing_on_orions_side_is_cannot_observe(tmp_path):
    with pytest.raises(CannotObserve, match="is not installed"):
        tools.run(tools.Command(("orion-no-such-tool", "--version"), tmp_path))


def test_an_unreadable_caddyfile_is_cannot_observe(monkeypatch):
    def unreadable(node: str) -> None:
        raise ConfigError(f"stacks/{node}/compose.yml", 3, "invalid YAML")

    monkeypatch.setattr(forwardauth, "Stack", unreadable)
    with pytest.raises(CannotObserve, match=r"compose.yml:3: invalid YAML"):
        forwardauth.protected("cortex")
