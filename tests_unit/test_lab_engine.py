"""The lab stops only the dockerd it started: its marker names a process by pid and start time, so a marker that
outlived its dockerd (a reboot, a machine restored from a snapshot) never names another process."""

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
