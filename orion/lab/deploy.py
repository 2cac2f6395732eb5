"""Deploy and remove the lab's compose projects: ``orion-lab`` (infrastructure), ``cortex`` and ``synapse``."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orion.lab import guard
from orion.lab.errors import LabError
from orion.lab.paths import LAB_SRC, STACKS, lab_state
from orion.lab.proc import run, tail

WAIT_TIMEOUT_S = 240


@dataclass(frozen=True)
class Project:
    """One compose project: its name and compose files (the stack first, then the lab override)."""

    name: str
    files: tuple[Path, ...]
    env_file: str | None = None

    @property
    def available(self) -> bool:
        return all(f.exists() for f in self.files)

    def missing(self) -> list[str]:
        return [str(f) for f in self.files if not f.exists()]


PROJECTS = (
    Project("orion-lab", (LAB_SRC / "compose.lab.yml",)),
    Project("cortex", (STACKS / "cortex" / "compose.yml", LAB_SRC / "compose.cortex.yml"), "cortex.env"),
    Project("synapse", (STACKS / "synapse" / "compose.yml", LAB_SRC / "compose.synapse.yml"), "synapse.env"),
)


def project(name: str) -> Project:
    for p in PROJECTS:
        if p.name == name:
            return p
    raise LabError(f"unknown lab project {name!r}")


def compose(p: Project, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``docker compose -p NAME [--env-file] -f ... ARGS`` with ``ORION_LAB_STATE`` exported."""
    argv = ["docker", "compose", "-p", p.name]
    if p.env_file:
        argv += ["--env-file", str(lab_state() / p.env_file)]
    for f in p.files:
        argv += ["-f", str(f)]
    env = {**os.environ, "ORION_LAB_STATE": str(lab_state())}
    return run([*argv, *args], what=f"compose {p.name} {args[0]}", env=env, timeout=timeout, check=check)


def up(p: Project) -> str:
    """Create the project, guard its bridges, start it and wait until every container is healthy."""
    if not p.available:
        raise LabError(f"project {p.name}: missing {', '.join(p.missing())}")
    compose(p, "up", "--no-start", "--remove-orphans")
    guarded = guard.ensure_guard()
    _start_and_wait(p)
    rejoined = _rejoin_shared_namespaces(p)
    count = len(compose(p, "ps", "-q").stdout.split())
    return f"{count} containers healthy, {guarded} lab bridges guarded" + (
        f", restarted {', '.join(rejoined)} (left in a stale network namespace)" if rejoined else ""
    )


def _rejoin_shared_namespaces(p: Project) -> list[str]:
    """Restart containers that run in another container's network namespace (``network_mode: service:gluetun``)
    but sit in a stale one.

    When dockerd starts again (a reboot, a killed engine), it restarts qBittorrent and its exporter as it likes:
    if they start before Gluetun, they keep a namespace Gluetun no longer has, every health check still passes
    inside it, and nothing reaches them. ``compose up`` sees nothing to change. On the Pis, TORR-01 fails and
    restart-gateway repairs it; the lab's ``up`` must simply give a working lab.
    """
    ids = compose(p, "ps", "-q").stdout.split()
    if not ids:
        return []
    fmt = "{{.Id}} {{.Name}} {{.HostConfig.NetworkMode}} {{.State.Pid}}"
    rows = [line.split() for line in run(["docker", "inspect", "--format", fmt, *ids]).stdout.splitlines()]
    netns = {cid: _netns(int(pid)) for cid, _, _, pid in rows}
    stale = [
        name.lstrip("/")
        for cid, name, mode, _ in rows
        if mode.startswith("container:") and netns[cid] != _target_netns(mode.split(":", 1)[1], netns)
    ]
    if stale:
        run(["docker", "restart", "--time", "10", *stale], what=f"restarting {', '.join(stale)}", timeout=120)
        _start_and_wait(p, f" after restarting {', '.join(stale)}")
    return stale


def _start_and_wait(p: Project, after: str = "") -> None:
    """``compose up -d --wait``: start what is not running and wait until every container is healthy."""
    proc = compose(
        p, "up", "-d", "--wait", "--wait-timeout", str(WAIT_TIMEOUT_S), timeout=WAIT_TIMEOUT_S + 60, check=False
    )
    if proc.returncode:
        raise LabError(
            f"project {p.name} did not become healthy{after}: {tail(proc.stderr or proc.stdout, 2)} "
            "(see `orion lab status`)"
        )


def restart_users_of(root: Path) -> list[str]:
    """Restart the lab's running containers that bind a path under ``root``; return their names.

    For when ``up`` has just mounted the HDD under ``root`` while containers were already running: dockerd brought
    them back before the lab's mount (a reboot), and each still sees the empty folder beneath it, as a Pi's apps
    would if they started before their disk. A restart binds the mounted disk.
    """
    ids = []
    for p in PROJECTS:
        label = f"label=com.docker.compose.project={p.name}"
        ids += run(["docker", "ps", "-q", "--filter", label]).stdout.split()
    if not ids:
        return []
    names = []
    fmt = "{{.Name}} {{range .Mounts}}{{.Source}} {{end}}"
    for line in run(["docker", "inspect", "--format", fmt, *ids]).stdout.splitlines():
        name, *sources = line.split()
        if any(Path(src).is_relative_to(root) for src in sources):
            names.append(name.lstrip("/"))
    if names:
        run(["docker", "restart", "--time", "10", *names], what=f"restarting {', '.join(names)}", timeout=300)
    return sorted(names)


def _target_netns(cid: str, known: dict[str, str | None]) -> str | None:
    if cid in known:
        return known[cid]
    pid = run(["docker", "inspect", "--format", "{{.State.Pid}}", cid], check=False).stdout.strip()
    return _netns(int(pid)) if pid.isdigit() else None


def _netns(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/net") if pid else None
    except OSError:
        return None


def down(p: Project) -> str:
    """Remove the project's containers, networks and volumes (images are kept)."""
    if not p.available or (p.env_file and not (lab_state() / p.env_file).exists()):
        # Without its files or its env file (an `up` that stopped before rendering it) compose cannot be driven.
        return _down_by_label(p)
    compose(p, "down", "--volumes", "--remove-orphans", "--timeout", "10")
    return "removed"


def _down_by_label(p: Project) -> str:
    """Remove the project's containers, then its networks and volumes, found by their compose label."""
    label = f"label=com.docker.compose.project={p.name}"
    counts = []
    for kind, remove in (("ps -a", "rm -f"), ("network ls", "network rm"), ("volume ls", "volume rm -f")):
        ids = run(["docker", *kind.split(), "-q", "--filter", label]).stdout.split()
        if ids:
            run(["docker", *remove.split(), *ids], what=f"removing {p.name} {kind.split()[0]}")
        counts.append(f"{len(ids)} {'containers' if kind == 'ps -a' else kind.split()[0] + 's'}")
    return ", ".join(counts) + " removed by label"


def leftovers() -> dict[str, list[str]]:
    """Containers, networks and volumes still labelled with a lab project."""
    found: dict[str, list[str]] = {}
    for kind in ("ps -a", "network ls", "volume ls"):
        names: list[str] = []
        for p in PROJECTS:
            argv = ["docker", *kind.split(), "-q", "--filter", f"label=com.docker.compose.project={p.name}"]
            names += run(argv, check=False).stdout.split()
        found[kind.split()[0]] = names
    return found
