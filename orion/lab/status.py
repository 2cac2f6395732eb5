"""What the lab looks like now: the host containers and every lab service, for ``orion lab status``."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass

from orion.lab import hdd
from orion.lab.deploy import PROJECTS
from orion.lab.engine import engine_up
from orion.lab.proc import run

HOSTS = {"orion-cortex": 2201, "orion-synapse": 2202}


@dataclass(frozen=True)
class Service:
    project: str
    service: str
    container: str
    state: str
    health: str
    ports: str


@dataclass(frozen=True)
class Host:
    name: str
    ssh: str
    hdd: str


def ssh_banner(port: int) -> str:
    """The SSH server banner on 127.0.0.1:port, or why there is none."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            return sock.recv(64).decode(errors="replace").strip() or "no banner"
    except OSError as exc:
        return f"unreachable ({exc.strerror or exc})"


def hosts() -> list[Host]:
    mounted = hdd.is_mounted(hdd.mountpoint("cortex"))
    return [
        Host(name, ssh_banner(port), ("mounted" if mounted else "NOT mounted") if name == "orion-cortex" else "-")
        for name, port in HOSTS.items()
    ]


def hosts_started() -> str:
    """When each host container last started: a restart loses what provisioning started in it."""
    proc = run(["docker", "inspect", "--format", "{{.Name}} {{.State.StartedAt}}", *HOSTS], check=False)
    return proc.stdout


def services() -> list[Service]:
    """Every container of the lab projects, from ``docker ps`` labels."""
    if not engine_up():
        return []
    out = []
    for p in PROJECTS:
        proc = run(
            ["docker", "ps", "-a", "--filter", f"label=com.docker.compose.project={p.name}", "--format", "{{json .}}"],
            check=False,
        )
        for line in proc.stdout.splitlines():
            row = json.loads(line)
            labels = dict(kv.split("=", 1) for kv in row.get("Labels", "").split(",") if "=" in kv)
            status = row.get("Status", "")
            health = next((h for h in ("unhealthy", "healthy", "health: starting") if h in status), "-")
            out.append(
                Service(
                    p.name,
                    labels.get("com.docker.compose.service", "?"),
                    row.get("Names", "?"),
                    row.get("State", "?"),
                    health.replace("health: ", ""),
                    row.get("Ports", ""),
                )
            )
    return sorted(out, key=lambda s: (s.project, s.service))
