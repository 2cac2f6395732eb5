"""The run's probes: one SSH connection per host, one HTTP client per host and service, one Docker client per node,
one compose model per stack, opened on first use and closed when the run ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orion.inventory import Host
from orion.probes.compose import Stack
from orion.probes.docker import DockerNode
from orion.probes.ssh import RemoteHost

if TYPE_CHECKING:
    from orion.probes.http import ServiceClient  # imports httpx: only runs that call a service pay for it


class ProbePool:
    def __init__(self, state: Path) -> None:
        self.state = state
        self._remote: dict[str, RemoteHost] = {}
        self._http: dict[tuple[str, str], ServiceClient] = {}
        self._docker: dict[str, DockerNode] = {}
        self._stacks: dict[str, Stack] = {}

    def remote(self, spec: Host) -> RemoteHost:
        if spec.name not in self._remote:
            known_hosts = self.state / "known_hosts" if spec.check_host_key else None
            self._remote[spec.name] = RemoteHost(spec, known_hosts)
        return self._remote[spec.name]

    def client(self, spec: Host, service: str) -> ServiceClient:
        from orion.probes.http import ServiceClient

        key = (spec.name, service)
        if key not in self._http:
            self._http[key] = ServiceClient(spec, spec.services[service])
        return self._http[key]

    def docker(self, spec: Host) -> DockerNode:
        if spec.name not in self._docker:
            self._docker[spec.name] = DockerNode(spec)
        return self._docker[spec.name]

    def stack(self, node: str) -> Stack:
        """The compose model of stacks/<node>/; raises ConfigError."""
        if node not in self._stacks:
            self._stacks[node] = Stack(node)
        return self._stacks[node]

    def close(self) -> None:
        for probe in [*self._remote.values(), *self._http.values(), *self._docker.values()]:
            probe.close()
