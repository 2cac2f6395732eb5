"""MAINT-06 on `ss -H -tulnp` as a Raspberry Pi prints it (samples/ss/README.md): the listeners fact, the
allow-list of ports and daemons, and the check's verdict; the hourly scan script on the same samples."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from checkload import check_function

from orion import PROJECT_ROOT
from orion.inventory import load
from orion.probes import desired
from orion.probes.facts import FACTS, Listener

SAMPLES = Path(__file__).parent / "samples" / "ss"
ROLE = PROJECT_ROOT / "provisioning" / "roles" / "maintenance"


def listeners(name: str) -> set[Listener]:
    return FACTS["listeners"].parse((SAMPLES / f"{name}.txt").read_text())


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    inventory = tmp_path_factory.mktemp("inv") / "inventory.yml"
    inventory.write_text(
        "all:\n  children:\n"
        "    cortex:\n      hosts:\n        c1:\n          orion_node: cortex\n"
        "    synapse:\n      hosts:\n        s1:\n          orion_node: synapse\n"
    )
    hosts = load(inventory).hosts
    return {"cortex": hosts["c1"], "synapse": hosts["s1"]}


def check():
    return check_function("maintenance/test_open_ports.py", "test_no_unexpected_port_listens")


def test_listeners_read_process_scope_and_both_families():
    found = listeners("cortex")
    assert len(found) == len((SAMPLES / "cortex.txt").read_text().splitlines())
    assert Listener("udp", "0.0.0.0", 49723, "avahi-daemon") in found  # avahi's ephemeral query port
    assert Listener("tcp", "100.101.102.103", 38123, "tailscaled") in found  # peerapi
    assert Listener("tcp", "fd7a:115c:a1e0::9a01:6667", 38123, "tailscaled") in found
    assert Listener("udp", "192.168.1.23%eth0", 68, "NetworkManager") in found
    assert Listener("udp", "fe80::dea6:32ff:fe12:3456%eth0", 546, "NetworkManager") in found
    assert Listener("tcp", "*", 9100, "node_exporter") in found  # dual-stack
    assert Listener("tcp", "0.0.0.0", 2049, "") in found  # the kernel's nfsd: no process


def test_listeners_needs_root_for_other_users_processes():
    assert FACTS["listeners"].sudo and FACTS["listeners"].command == "ss -H -tulnp"


def test_processes_allowed_on_any_port(nodes):
    assert {("avahi-daemon", "udp"), ("tailscaled", None)} <= desired.allowed_processes(nodes["cortex"])
    assert ("rpc.mountd", None) not in desired.allowed_processes(nodes["synapse"])  # the NFS server is cortex


@pytest.mark.parametrize("name", ["cortex", "synapse"])
def test_what_provisioning_installs_passes(nodes, name):
    check()(listeners(name), nodes[name])


def test_what_the_old_port_only_reading_flagged_on_a_pi(nodes):
    """avahi's and tailscaled's own ports are no port of the allow-list: only their process allows them."""
    ports = desired.allowed_ports(nodes["cortex"])
    by_port_only = {(s.proto, s.port) for s in listeners("cortex") if (s.proto, s.port) not in ports}
    assert by_port_only >= {("udp", 49723), ("udp", 38915), ("tcp", 38123)}


def test_a_debug_server_and_a_stray_resolver_fail(nodes):
    with pytest.raises(AssertionError, match="ports listen that the allow-list does not name") as failure:
        check()(listeners("cortex-unexpected"), nodes["cortex"])
    assert "'53/tcp on 0.0.0.0 (dnsmasq)', '53/udp on 0.0.0.0 (dnsmasq)', '8888/tcp on 0.0.0.0 (python3)'" in str(
        failure.value
    )


def test_a_known_daemon_on_another_protocol_still_fails(nodes):
    stray = {Listener("tcp", "0.0.0.0", 40000, "avahi-daemon")}  # avahi is allowed on udp only
    with pytest.raises(AssertionError, match="40000/tcp"):
        check()(stray, nodes["cortex"])


# --- the hourly scan (provisioning/roles/maintenance/files/orion-open-ports) on the same samples --------


def render_allow_list(node: str) -> str:
    """/etc/orion/allowed-ports as allowed-ports.j2 renders it (the role's defaults, no extra ports)."""
    import jinja2
    import yaml

    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    template = jinja2.Template((ROLE / "templates" / "allowed-ports.j2").read_text())
    return template.render(**defaults, orion_node=node)


@pytest.mark.parametrize(("sample", "name", "rc", "unexpected"), [
    ("cortex", "cortex", 0, 0), ("synapse", "synapse", 0, 0), ("cortex-unexpected", "cortex", 1, 3),
])  # fmt: skip
def test_the_scan_script_agrees(tmp_path, sample, name, rc, unexpected):
    bin_dir, textfiles = tmp_path / "bin", tmp_path / "textfiles"
    bin_dir.mkdir(), textfiles.mkdir()
    (bin_dir / "ss").write_text(f"#!/bin/sh\ncat {SAMPLES / f'{sample}.txt'}\n")
    (bin_dir / "logger").write_text("#!/bin/sh\n")
    for tool in ("ss", "logger"):
        (bin_dir / tool).chmod(0o755)
    allowed = tmp_path / "allowed-ports"
    allowed.write_text(render_allow_list(name))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    proc = subprocess.run([ROLE / "files" / "orion-open-ports", allowed, textfiles], env=env, capture_output=True)
    assert proc.returncode == rc, proc.stderr
    assert f"orion_open_ports_unexpected {unexpected}\n" in (textfiles / "orion_open_ports.prom").read_text()
