"""A node's Docker engine, seen through its compose project only."""

from __future__ import annotations

from typing import Any

from orion import evidence
from orion.inventory import Host
from orion.outcomes import CannotObserve, SubjectDown

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
#: Docker's answers to an exec in a container that stopped, or was removed, after it was listed.
_GONE = {409: "container not running", 404: "container missing"}


class DockerNode:
    """The containers of one node. In the lab both nodes share one engine, told apart by compose project.

    Raises CannotObserve when Orion cannot use the engine (no endpoint in the inventory, the engine unreachable or
    refusing), and SubjectDown when the container a check looks inside is missing or not running.
    """

    def __init__(self, host: Host) -> None:
        if host.docker is None:
            raise CannotObserve(f"{host.name}: the inventory gives no orion_docker endpoint")
        self.host = host
        self.endpoint = host.docker
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import docker

            try:
                self._client = docker.DockerClient(base_url=self.endpoint.host, timeout=10)
                self._client.ping()
            except docker.errors.DockerException as exc:
                self._client = None
                raise CannotObserve(f"docker {self.endpoint.host}: unreachable ({exc})") from None
        return self._client

    def containers(self) -> dict[str, Any]:
        """The node's containers (running or not) by compose service name."""
        import docker

        evidence.source(f"docker {self.endpoint.host}: containers of project {self.endpoint.project}")
        try:
            found = self.client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={self.endpoint.project}"})
        except docker.errors.DockerException as exc:
            raise CannotObserve(f"docker {self.endpoint.host}: {exc}") from None
        return {c.labels.get(SERVICE_LABEL, c.name): c for c in found}

    def running(self) -> list[Any]:
        """The running containers of the node's project, and those of no compose project (a `docker run` by hand).
        In the lab, where both nodes share one engine, the latter are seen from both."""
        import docker

        evidence.source(f"docker {self.endpoint.host}: running containers of project {self.endpoint.project} or none")
        try:
            found = self.client.containers.list(filters={"status": "running"})
        except docker.errors.DockerException as exc:
            raise CannotObserve(f"docker {self.endpoint.host}: {exc}") from None
        return [c for c in found if c.labels.get(PROJECT_LABEL) in (None, self.endpoint.project)]

    def container(self, service: str) -> Any | None:
        """The container of compose service `service` on this node, or None when it does not exist."""
        return self.containers().get(service)

    def require_running(self, service: str) -> None:
        """SubjectDown when the node's `service` container is missing or not running: for a check that could not
        reach a service, the engine tells a service that is down (failed) from one Orion cannot see (error)."""
        container = self.container(service)
        if container is None or container.status != "running":
            state = "missing" if container is None else container.status
            source = f"docker {self.endpoint.host}: container of {service} ({self.endpoint.project})"
            raise SubjectDown(f"{self.host.name}: {service}", f"container {state}", source)

    def exec(self, service: str, command: str) -> tuple[int, str]:
        """Run `command` (sh -c) in the running container of `service`: (exit code, output).

        A missing or stopped container is SubjectDown: what the check looks inside is down.
        """
        import docker

        source = f"docker exec {service} ({self.endpoint.project}): {command}"
        container = self.container(service)
        if container is None or container.status != "running":
            state = "missing" if container is None else container.status
            raise SubjectDown(f"{self.host.name}: {service}", f"container {state}", source)
        evidence.source(source)
        try:
            result = container.exec_run(["sh", "-c", command], demux=False)
        except docker.errors.APIError as exc:
            if exc.status_code in _GONE:
                raise SubjectDown(f"{self.host.name}: {service}", _GONE[exc.status_code], source) from None
            raise CannotObserve(f"docker exec {service}: {exc}") from None
        except docker.errors.DockerException as exc:
            raise CannotObserve(f"docker exec {service}: {exc}") from None
        return result.exit_code, (result.output or b"").decode("utf-8", "replace")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
