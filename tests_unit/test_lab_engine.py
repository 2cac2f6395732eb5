"""The lab stops only the dockerd it started: its marker names a process by pid and start time, so a marker that
outlived its dockerd (a reboot, a machine restored from a snapshot) never names another process. And what a
restarted engine leaves wrong, `up` puts right."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orion.lab import engine


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A live process standing for the dockerd the lab started."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def _write_marker(state: Path, **marker: object) -> None:
    (state / "lab").mkdir(parents=True, exist_ok=True)
    (state / "lab" / "engine.json").write_text(json.dumps(marker))


def test_the_process_the_marker_names_is_the_labs(state: Path, child: subprocess.Popen[bytes]):
    _write_marker(state, pid=child.pid, ticks=engine._start_ticks(child.pid))
    assert engine.started_by_lab() == child.pid


def test_a_live_process_that_took_the_markers_pid_is_not_the_labs(state: Path, child: subprocess.Popen[bytes]):
    ticks = engine._start_ticks(child.pid)
    assert ticks is not None
    _write_marker(state, pid=child.pid, ticks=ticks - 1)
    assert engine.started_by_lab() is None


@pytest.mark.parametrize(
    "marker",
    [{"pid": os.getpid()}, {"pid": 2**22 + 1, "ticks": 1}, {"pid": "x"}, {}],
    ids=["no-start-time", "pid-gone", "bad-pid", "empty"],
)
def test_a_marker_that_cannot_prove_its_process_names_none(state: Path, marker: dict[str, object]):
    _write_marker(state, **marker)
    assert engine.started_by_lab() is None


def test_stopping_with_a_stale_marker_kills_nothing_and_drops_the_marker(
    state: Path, child: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(engine, "engine_up", lambda: True)
    _write_marker(state, pid=child.pid, ticks=0)
    assert engine.stop_engine() == "engine not started by the lab: left running"
    assert child.poll() is None, "the process that took the pid still runs"
    assert not (state / "lab" / "engine.json").exists()


def test_a_container_left_in_a_stale_namespace_is_restarted_into_its_networks(monkeypatch: pytest.MonkeyPatch):
    """After dockerd restarts, qBittorrent may start before Gluetun and keep a namespace Gluetun no longer has."""
    from orion.lab import deploy

    rows = "g /gluetun bridge 10\nq /qbittorrent container:g 20\ne /exporter container:g 30\n"
    namespaces = {10: "net:[1]", 20: "net:[2]", 30: "net:[1]"}
    calls: list[list[str]] = []

    def run(argv, **_):
        calls.append(list(argv))
        return subprocess.CompletedProcess(argv, 0, rows if argv[1] == "inspect" else "", "")

    monkeypatch.setattr(deploy, "run", run)
    monkeypatch.setattr(deploy, "compose", lambda p, *a, **k: subprocess.CompletedProcess(a, 0, "g\nq\ne\n", ""))
    monkeypatch.setattr(deploy, "_netns", namespaces.get)
    assert deploy._rejoin_shared_namespaces(deploy.project("cortex")) == ["qbittorrent"]
    assert calls[-1][:2] == ["docker", "restart"] and calls[-1][-1] == "qbittorrent"

    namespaces[20] = "net:[1]"
    calls.clear()
    assert deploy._rejoin_shared_namespaces(deploy.project("cortex")) == []
    assert not any(c[1] == "restart" for c in calls)


def test_containers_bound_under_a_freshly_mounted_hdd_are_restarted_onto_it(monkeypatch: pytest.MonkeyPatch):
    from orion.lab import deploy

    root = Path("/state/lab/mnt")
    mounts = (
        "/jellyfin /state/lab/mnt/cortex/hdd/data /state/lab/appdata\n"
        "/gluetun /state/lab/render\n"
        "/host /state/lab/mnt/cortex\n"
    )
    calls: list[list[str]] = []

    def run(argv, **_):
        calls.append(list(argv))
        out = {"ps": "a\n", "inspect": mounts}.get(argv[1], "")
        return subprocess.CompletedProcess(argv, 0, out, "")

    monkeypatch.setattr(deploy, "run", run)
    assert deploy.restart_users_of(root) == ["host", "jellyfin"]
    assert calls[-1][:2] == ["docker", "restart"] and set(calls[-1][-2:]) == {"host", "jellyfin"}
