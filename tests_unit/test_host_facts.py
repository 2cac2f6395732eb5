"""The host facts of provisioning's checks: parsers on real-shaped output, SMART samples, and the sudoers list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from orion import PROJECT_ROOT
from orion.inventory import load
from orion.outcomes import ObservationError
from orion.probes import desired
from orion.probes.facts import FACTS
from orion.probes.smart import ExitBit, parse

SAMPLES = Path(__file__).parent / "samples" / "smart"

UFW = """\
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), deny (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
2222/tcp                   ALLOW IN    10.213.1.0/24              # SEC-02 ssh from the LAN
2222/tcp                   ALLOW IN    100.64.0.0/10              # SEC-02 ssh from Tailscale
80/tcp                     ALLOW IN    Anywhere                   # PROXY Caddy http
2049/tcp                   ALLOW IN    10.213.1.11
80/tcp (v6)                ALLOW IN    Anywhere (v6)              # PROXY Caddy http
"""

INPUT_CHAIN = """\
-P INPUT DROP
-A INPUT -j ufw-before-logging-input
-A INPUT -j ufw-before-input
-A INPUT -j ufw-after-input
-A INPUT -j ufw-reject-input
"""

FAIL2BAN = """\
Status for the jail: sshd
|- Filter
|  |- Currently failed:\t0
|  |- Total failed:\t3
|  `- File list:\t/var/log/auth.log
`- Actions
   |- Currently banned:\t1
   |- Total banned:\t1
   `- Banned IP list:\t10.213.1.66
"""


def parse_fact(name: str, stdout: str):
    return FACTS[name].parse(stdout)


def test_ufw_status_reads_state_defaults_and_rules():
    status = parse_fact("ufw_status", UFW)
    assert status["active"] is True
    assert status["defaults"] == {"incoming": "deny", "outgoing": "allow", "routed": "deny"}
    texts = [rule.text for rule in status["rules"]]
    assert texts[0] == "2222/tcp ALLOW IN 10.213.1.0/24" and texts[-1] == "80/tcp (v6) ALLOW IN Anywhere (v6)"
    assert len(status["rules"]) == 5  # more shapes, and what they let in: test_ufw_rules.py


def test_ufw_status_inactive_has_no_rules():
    assert parse_fact("ufw_status", "Status: inactive\n") == {"active": False, "defaults": {}, "rules": []}


def test_input_chain_reads_the_kernels_policy_and_jumps():
    chain = parse_fact("input_chain", INPUT_CHAIN)
    assert chain["policy"] == "DROP"
    assert "ufw-before-input" in chain["jumps"]
    assert parse_fact("input_chain", "-P INPUT ACCEPT\n") == {"policy": "ACCEPT", "jumps": []}  # flushed


def test_fail2ban_sshd_jail_or_none():
    assert parse_fact("fail2ban_sshd", FAIL2BAN) == {"files": ["/var/log/auth.log"], "journal": [], "banned": 1}
    assert parse_fact("fail2ban_sshd", "") is None  # not running: the message is on stderr, exit 255
    assert 255 in FACTS["fail2ban_sshd"].ok


def test_exports_lists_clients_per_path():
    out = (
        "/mnt/hdd      \t10.213.1.11(sync,wdelay,hide,no_subtree_check,sec=sys,rw,root_squash,no_all_squash)\n"
        "/mnt/hdd      \t<world>(sync,wdelay,hide,no_subtree_check,sec=sys,rw,no_root_squash,no_all_squash)\n"
        "/srv/a-very-long-path-that-wraps\n\t\t192.168.1.0/24(ro)\n"
    )
    assert parse_fact("exports", out) == {
        "/mnt/hdd": ["10.213.1.11", "<world>"],
        "/srv/a-very-long-path-that-wraps": ["192.168.1.0/24"],
    }


def test_fstab_by_mount_point():
    out = "# comment\nUUID=1234-abcd /mnt/hdd ext4 defaults,nofail,noatime 0 2\nproc /proc proc defaults 0 0\n"
    assert parse_fact("fstab", out)["/mnt/hdd"] == {
        "source": "UUID=1234-abcd",
        "fstype": "ext4",
        "options": ["defaults", "nofail", "noatime"],
    }


def test_journald_drop_ins_override_the_main_file():
    out = "[Journal]\n#SystemMaxUse=\nStorage=auto\n[Journal]\nSystemMaxUse=200M\n"
    assert parse_fact("journald_conf", out) == {"Storage": "auto", "SystemMaxUse": "200M"}


def test_smartd_conf_joins_continuations_and_drops_comments():
    out = "# default\nDEVICESCAN -d sat -a \\\n  -s (S/../.././02|L/../../6/03) # tests\n"
    assert parse_fact("smartd_conf", out) == ["DEVICESCAN -d sat -a    -s (S/../.././02|L/../../6/03)"]


@pytest.mark.parametrize(("stdout", "state"), [("0\n", "ok"), ("127\n", "missing"), ("1\n", "invalid configuration")])
def test_logrotate_state_from_its_exit_code(stdout, state):
    assert parse_fact("logrotate", stdout) == state


def test_docker_group_members():
    assert parse_fact("docker_group", "docker:x:998:orion,backup\n") == ["backup", "orion"]
    assert parse_fact("docker_group", "docker:x:998:\n") == []
    assert parse_fact("docker_group", "") is None


def test_processes_and_tailscale():
    assert parse_fact("processes", "sshd\nsmartd\nfail2ban-server\n") == {"sshd", "smartd", "fail2ban-server"}
    assert parse_fact("tailscale", '{"BackendState": "Running"}')["BackendState"] == "Running"
    assert parse_fact("tailscale", "") is None


def test_etc_git_facts():
    assert parse_fact("etc_is_git", "yes\n") is True
    assert parse_fact("etc_uncommitted", "?? sysctl.d/99-hand-tuned.conf\n") == ["?? sysctl.d/99-hand-tuned.conf"]
    assert parse_fact("etc_uncommitted", "") == []


# --- MON-06: smartctl JSON --------------------------------------------------------------------------


def sample(name: str) -> str:
    return (SAMPLES / f"{name}.json").read_text()


def test_smart_healthy_disk():
    report = parse(sample("healthy"))
    assert report.readable and not report.failing
    assert report.warnings == {}
    assert report.attributes == {5: 0, 187: 0, 197: 0, 198: 0}
    assert (report.temperature_c, report.power_on_hours, report.device) == (36, 9874, "/dev/sda")


def test_smart_failing_disk():
    report = parse(sample("failing"))
    assert report.readable and report.failing
    assert ExitBit.DISK_FAILING in report.flags and ExitBit.SELFTEST_LOG in report.flags
    assert report.warnings == {
        "Reallocated_Sector_Ct (5)": 3216,
        "Reported_Uncorrect (187)": 412,
        "Current_Pending_Sector (197)": 88,
        "Offline_Uncorrectable (198)": 88,
    }


def test_smart_usb_bridge_that_refuses_pass_through():
    report = parse(sample("usb-bridge-refuses"))
    assert not report.readable and not report.failing
    assert report.passed is None and ExitBit.DEVICE_OPEN in report.flags
    assert "Read Device Identity failed" in report.why_unreadable


def test_smart_samples_are_real_shaped():
    for name in ("healthy", "failing", "usb-bridge-refuses"):
        data = json.loads(sample(name))
        assert data["json_format_version"] == [1, 0] and data["device"]["type"] == "sat"
        assert isinstance(data["smartctl"]["exit_status"], int)


def test_smart_without_json_is_an_observation_error():
    with pytest.raises(ObservationError, match="no JSON"):
        parse("sh: 1: smartctl: not found\n")


def test_smart_fact_accepts_every_exit_status():
    assert FACTS["smart"].ok == tuple(range(256)) and FACTS["smart"].sudo


# --- the restricted account's sudoers list matches the facts that need root --------------------------


def test_sudoers_list_of_the_orion_role_matches_the_root_facts():
    defaults = yaml.safe_load((PROJECT_ROOT / "provisioning/roles/orion/defaults/main.yml").read_text())
    root_facts = sorted(f.command for f in FACTS.values() if f.sudo)
    assert sorted(defaults["orion_sudo_commands"]) == root_facts


def test_allow_list_of_listening_ports_per_node(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        "all:\n  children:\n    cortex:\n      hosts:\n        c1:\n"
        "          orion_node: cortex\n          maintenance_extra_allowed_ports: [8888/tcp]\n"
    )
    ports = desired.allowed_ports(load(inventory).hosts["c1"])
    assert {("tcp", 2222), ("tcp", 443), ("udp", 443), ("tcp", 8888)} <= ports
    assert ("tcp", 9090) not in ports  # Prometheus listens on synapse, not cortex
