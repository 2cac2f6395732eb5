"""The port the VPN forwards (TORR-03): Gluetun's report when it has native port forwarding, else (AirVPN, this
homelab's provider, whose port is set in the account: Gluetun answers 0) the first of the running container's
FIREWALL_VPN_INPUT_PORTS."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orion.outcomes import CannotObserve
from orion.probes.gluetun import configured_port, forwarded_port, reported_port

ENV = ["TZ=Europe/Paris", "FIREWALL_VPN_INPUT_PORTS=51413, 51414", "VPN_SERVICE_PROVIDER=airvpn"]


def gluetun(answer: object, env: list[str] | None = ENV):
    """A control-server client answering `answer`, and a node whose gluetun container has `env` (None: none)."""
    client = SimpleNamespace(
        json=lambda path: answer, service=SimpleNamespace(name="gluetun", url="http://gluetun:8000")
    )
    container = None if env is None else SimpleNamespace(attrs={"Config": {"Env": env}})
    return client, SimpleNamespace(container=lambda name: container)


ANSWERS = [({"port": 51413}, 51413), ({"port": 0}, 0), ({"ports": [40001, 40002]}, 40001), ({"ports": []}, 0)]


@pytest.mark.parametrize(("answer", "port"), ANSWERS)
def test_the_reported_port_is_read_from_either_answer_shape(answer, port):
    assert reported_port(answer) == port


@pytest.mark.parametrize("answer", [[], {"port": "51413"}, {"status": "ok"}, None])
def test_an_answer_that_is_no_port_forward_is_refused(answer):
    with pytest.raises(ValueError, match="not a port-forward answer"):
        reported_port(answer)


def test_the_configured_port_is_the_first_of_the_input_ports():
    assert configured_port(ENV) == 51413
    assert configured_port(["FIREWALL_VPN_INPUT_PORTS="]) == 0
    assert configured_port(["TZ=UTC"]) == 0


def test_a_native_forward_wins_over_the_configuration():
    forwarded = forwarded_port(*gluetun({"port": 40001}))
    assert forwarded.port == 40001 and forwarded.source == "http://gluetun:8000/v1/portforward"


def test_with_airvpn_gluetun_answers_0_and_the_configured_port_is_the_forwarded_one():
    forwarded = forwarded_port(*gluetun({"port": 0}))
    assert forwarded.port == 51413
    assert "FIREWALL_VPN_INPUT_PORTS" in str(forwarded) and "(0)" in str(forwarded)


def test_without_a_report_nor_a_container_orion_cannot_tell():
    with pytest.raises(CannotObserve, match="no container"):
        forwarded_port(*gluetun({"port": 0}, env=None))


def test_a_malformed_answer_is_cannot_observe_naming_the_url():
    with pytest.raises(CannotObserve, match="http://gluetun:8000/v1/portforward"):
        forwarded_port(*gluetun({"ports": "51413"}))
