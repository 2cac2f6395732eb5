"""Gluetun: the port the VPN forwards, from its control server, else from its configuration.

Gluetun's control server answers `GET /v1/portforward` with `{"port": N}` (X-API-Key auth): the port its native
port forwarding obtained (PIA, ProtonVPN, PrivateVPN, Perfect Privacy). With a provider whose forwarded port is set
in the customer's account (AirVPN, this homelab's), Gluetun has no native port forwarding and answers 0: the
forwarded port is then the one the stack lets in, the first of `FIREWALL_VPN_INPUT_PORTS` of the running
container (https://github.com/qdm12/gluetun-wiki: setup/advanced/control-server.md, vpn-port-forwarding.md,
setup/providers/airvpn.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orion.outcomes import CannotObserve
from orion.probes.docker import DockerNode
from orion.probes.http import ServiceClient


@dataclass(frozen=True)
class Forwarded:
    port: int
    source: str  # where the port was read

    def __str__(self) -> str:
        return f"{self.port} ({self.source})"


def reported_port(answer: Any) -> int:
    """The port in a `/v1/portforward` answer: `{"port": N}` (0: none), or `{"ports": [N, …]}` (the first)."""
    if isinstance(answer, dict):
        if isinstance(answer.get("port"), int):
            return int(answer["port"])
        ports = answer.get("ports")
        if isinstance(ports, list):
            return int(ports[0]) if ports and isinstance(ports[0], int) else 0
    raise ValueError(f"not a port-forward answer: {answer!r}")


def configured_port(env: list[str]) -> int:
    """The first port of FIREWALL_VPN_INPUT_PORTS in a container's environment (`KEY=value` strings), 0 if none."""
    for item in env:
        key, _, value = item.partition("=")
        if key == "FIREWALL_VPN_INPUT_PORTS":
            first = value.split(",")[0].strip()
            return int(first) if first.isdigit() else 0
    return 0


def forwarded_port(client: ServiceClient, docker_node: DockerNode) -> Forwarded:
    """The port the VPN forwards now: Gluetun's report, else (0: no native forwarding) its configured input port."""
    where = f"{client.service.url}/v1/portforward"
    try:
        port = reported_port(client.json("/v1/portforward"))
    except ValueError as exc:
        raise CannotObserve(f"{client.service.name}: {where}: {exc}") from None
    if port:
        return Forwarded(port, where)
    container = docker_node.container("gluetun")
    if container is None:
        raise CannotObserve(f"{client.service.name} reports no forwarded port and has no container to read it from")
    port = configured_port(container.attrs.get("Config", {}).get("Env") or [])
    return Forwarded(port, f"{where} (0), then FIREWALL_VPN_INPUT_PORTS of the gluetun container")
