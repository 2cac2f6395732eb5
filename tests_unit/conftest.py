"""Fixtures for the engine's own tests: temporary state, inventories, and the local rig of real daemons."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from orion import redact
from orion.localrig import LocalRig

pytest_plugins = ["pytester"]

# CI machines have 2 cores and may be busy: judge inputs, not speed.
settings.register_profile("orion", deadline=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("orion")


@pytest.fixture(autouse=True)
def _secrets_of_this_test_only() -> Iterator[None]:
    """Secrets a test registers (hypothesis registers hundreds, "down" among them) are forgotten after it: they
    would otherwise mask words in every later test's text."""
    before = set(redact._known)
    yield
    redact._known.intersection_update(before)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setenv("ORION_STATE_DIR", str(path))
    return path


@pytest.fixture
def write(tmp_path: Path):
    """write("name.yml", text) -> path, in a fresh temporary directory."""

    def _write(name: str, text: str, mode: int = 0o644) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        return path

    return _write


@pytest.fixture(scope="session")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRig]:
    """Real sshd, node_exporter and Prometheus on 127.0.0.1 (needs root and the Debian packages)."""
    missing = [b for b in ("sshd", "prometheus", "prometheus-node-exporter", "unshare") if not _which(b)]
    if missing or os.geteuid() != 0:
        pytest.fail(f"the local rig needs root and {', '.join(missing) or 'its daemons'}: run `make deps`")
    rig = LocalRig(tmp_path_factory.mktemp("rig")).up()
    rig.wait_scraped("up")
    yield rig
    rig.down()


@pytest.fixture
def healthy_rig(rig: LocalRig) -> Iterator[LocalRig]:
    """The rig, healed before and after the test, whatever the test broke."""
    _heal(rig)
    yield rig
    _heal(rig)


def _heal(rig: LocalRig) -> None:
    rig.write_sshd_config(passwords=False)
    rig.start_sshd()
    rig.reload_sshd()
    rig.start_node_exporter()
    rig.wait_scraped("up")


def _which(binary: str) -> bool:
    return shutil.which(binary) is not None or Path("/usr/sbin", binary).exists()
