"""SSH host-key pinning holds on reconnect: testinfra's backend reconnects when a connection drops, and that
reconnection goes through Orion's pinned `_open`, so a host whose key changed between two connections of one run
is refused. Against the local rig's real sshd (orion.localrig)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from orion.inventory import load
from orion.localrig import LocalRig
from orion.outcomes import CannotObserve
from orion.probes.ssh import RemoteHost


@pytest.fixture
def rekeyable(healthy_rig: LocalRig, tmp_path: Path) -> Iterator[LocalRig]:
    """The rig, with its original host key put back (and sshd reloaded) whatever the test did to it."""
    key = healthy_rig.ssh_dir / "ssh_host_ed25519_key"
    saved = tmp_path / "saved-host-key"
    for suffix in ("", ".pub"):
        shutil.copy(f"{key}{suffix}", f"{saved}{suffix}")
    yield healthy_rig
    for suffix in ("", ".pub"):
        shutil.copy(f"{saved}{suffix}", f"{key}{suffix}")
    healthy_rig.reload_sshd()


def new_host_key(rig: LocalRig) -> None:
    """Give the rig's sshd another host key: what a reinstalled (or impersonated) Pi presents."""
    key = rig.ssh_dir / "ssh_host_ed25519_key"
    for suffix in ("", ".pub"):
        Path(f"{key}{suffix}").unlink()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    rig.reload_sshd()  # SIGHUP: sshd re-executes and reads its host keys again


def drop_connection(host: RemoteHost) -> None:
    host.testinfra.backend.client.get_transport().close()


@pytest.mark.parametrize("pinned_in", ["known_hosts", "memory"])
def test_a_reconnect_by_testinfra_refuses_a_changed_host_key(rekeyable, tmp_path, pinned_in):
    spec = load(rekeyable.inventory).hosts["orion-cortex"]
    host = RemoteHost(spec, tmp_path / "known_hosts" if pinned_in == "known_hosts" else None)
    assert host.file("/etc/hostname").exists, "testinfra's modules work over Orion's connection"
    new_host_key(rekeyable)
    drop_connection(host)
    with pytest.raises(CannotObserve, match=r"host key changed.*refusing to connect"):
        host.testinfra.file("/etc/hostname").exists  # testinfra's own reconnect (`del client`)  # noqa: B018
    with pytest.raises(CannotObserve, match="host key changed"):
        host.fact("sshd_config")  # and every later use, at once


def test_orions_own_reconnect_refuses_a_changed_host_key(rekeyable, tmp_path):
    spec = load(rekeyable.inventory).hosts["orion-cortex"]
    host = RemoteHost(spec, tmp_path / "known_hosts")
    assert host.run("true").rc == 0
    new_host_key(rekeyable)
    drop_connection(host)
    with pytest.raises(CannotObserve, match=r"host key changed since .*known_hosts recorded it"):
        host.run("true")


def test_a_dropped_connection_reconnects_when_the_key_is_the_same(healthy_rig, tmp_path):
    spec = load(healthy_rig.inventory).hosts["orion-cortex"]
    host = RemoteHost(spec, tmp_path / "known_hosts")
    before = RemoteHost.connections
    assert host.file("/etc/ssh/sshd_config").contains("Port 2222")
    drop_connection(host)
    assert host.testinfra.file("/etc/ssh/sshd_config").contains("Port 2222"), "testinfra reconnected"
    drop_connection(host)
    assert host.run("true").rc == 0, "Orion reconnected"
    assert RemoteHost.connections - before == 3


def test_the_host_fixture_is_a_working_testinfra_host(healthy_rig, tmp_path):
    """A new check may use any testinfra module on `host`, as testinfra's documentation shows."""
    spec = load(healthy_rig.inventory).hosts["orion-cortex"]
    host = RemoteHost(spec, tmp_path / "known_hosts")
    assert host.file("/etc/ssh/sshd_config").contains("PasswordAuthentication no")
    assert host.check_output("echo hi") == "hi"
    assert host.backend.get_connection_type() == "paramiko"
    host.close()
