"""Make sure a Docker engine and the compose v2 plugin answer; start ``dockerd`` ourselves if needed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from orion.lab.errors import LabError
from orion.lab.paths import LAB_SRC, lab_state
from orion.lab.proc import ok, run

START_TIMEOUT_S = 60.0


def _marker() -> Path:
    return lab_state() / "engine.json"


def engine_up() -> bool:
    """True when ``docker info`` answers."""
    return ok(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=15)


def started_by_lab() -> int | None:
    """The pid of the dockerd that ``orion lab up`` started, if that very process still runs.

    A pid alone is not enough: after a reboot (or a machine restored from a snapshot) the marker outlives its
    dockerd, and the pid may be any process's, even another dockerd's. The marker also records the process's start
    time, which a reused pid does not share.
    """
    try:
        marker = json.loads(_marker().read_text())
        pid, started = int(marker["pid"]), marker.get("ticks")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ticks = _start_ticks(pid)
    if ticks is None or started is None or ticks != started:
        return None
    return pid


def _start_ticks(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot; None when it is gone or a zombie (left unreaped by a
    non-init PID 1)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[19])


def _alive(pid: int) -> bool:
    return _start_ticks(pid) is not None


def ensure_engine() -> str:
    """Start ``dockerd`` in the background unless an engine answers; return what was done."""
    if engine_up():
        return "engine already running" + (" (started by the lab)" if started_by_lab() else "")
    if shutil.which("dockerd") is None:
        raise LabError("dockerd is not installed (apt-get install docker.io)")
    if os.geteuid() != 0:
        raise LabError("no Docker engine answers and starting dockerd needs root")
    state = lab_state()
    log = (state / "dockerd.log").open("ab")
    proc = subprocess.Popen(
        ["dockerd", "--pidfile", str(state / "dockerd.pid")],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _marker().write_text(json.dumps({"pid": proc.pid, "ticks": _start_ticks(proc.pid), "started": time.time()}))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"dockerd exited with {proc.returncode} (see {state / 'dockerd.log'})")
        if engine_up():
            return f"started dockerd (pid {proc.pid}, log {state / 'dockerd.log'})"
        time.sleep(0.5)
    raise LabError(f"dockerd did not answer within {START_TIMEOUT_S:.0f} s (see {state / 'dockerd.log'})")


def stop_engine() -> str:
    """Stop dockerd only if the lab started it; otherwise leave the engine alone."""
    pid = started_by_lab()
    if pid is None:
        _marker().unlink(missing_ok=True)
        return "engine not started by the lab: left running" if engine_up() else "no engine running"
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.5)
    else:
        raise LabError(f"dockerd (pid {pid}) did not stop within 60 s")
    _marker().unlink(missing_ok=True)
    # What a stopped dockerd leaves behind: its netns mount and the default bridge.
    if ok(["mountpoint", "-q", "/run/docker/netns/default"]):
        run(["umount", "/run/docker/netns/default"], check=False)
    if ok(["ip", "link", "show", "docker0"]):
        run(["ip", "link", "delete", "docker0"], check=False)
    return f"stopped dockerd (pid {pid})"


def compose_version() -> str | None:
    """The compose v2 plugin's version, or None when ``docker compose`` is missing."""
    proc = run(["docker", "compose", "version", "--short"], check=False, timeout=30)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_compose() -> str:
    """Install compose v2 from trixie's ``docker-compose`` .deb unless ``docker compose`` works."""
    version = compose_version()
    if version:
        return f"compose {version}"
    run(["bash", str(LAB_SRC / "bin" / "install-compose-v2.sh")], what="installing compose v2", timeout=900)
    version = compose_version()
    if not version:
        raise LabError("compose v2 was installed but `docker compose version` still fails")
    return f"installed compose {version}"
