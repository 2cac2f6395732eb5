"""SEC-02's reading of ufw: rules parsed as ufw means them, and the check's verdict, on real `ufw status verbose`.

The samples come from ufw 0.36.2 (Debian bookworm, the lab's host image): the rules the firewall role writes
on cortex (baseline.txt), then that baseline plus one rule each, as named.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from checkload import check_function

from orion.probes import ufw
from orion.probes.facts import FACTS

SAMPLES = Path(__file__).parent / "samples" / "ufw"


def status(name: str) -> dict:
    return FACTS["ufw_status"].parse((SAMPLES / f"{name}.txt").read_text())


def ssh_check():
    return check_function("security/test_firewall.py", "test_ssh_is_open_to_the_lan_and_tailscale_only")


def test_every_rule_line_of_every_sample_is_read():
    for sample in SAMPLES.glob("*.txt"):
        text = sample.read_text()
        lines = [line for line in text.partition("----\n")[2].splitlines() if line.strip()]
        assert len(status(sample.stem)["rules"]) == len(lines), sample.name


def test_baseline_state_defaults_and_rules():
    parsed = status("baseline")
    assert parsed["active"] is True
    assert parsed["defaults"] == {"incoming": "deny", "outgoing": "allow", "routed": "deny"}
    first = parsed["rules"][0]
    assert first.text == "2222/tcp ALLOW IN 192.168.1.0/24"  # the comment is not part of the rule
    assert (first.action, first.direction, first.v6) == ("ALLOW", "IN", False)
    assert first.to == ufw.Endpoint(ports=((2222, 2222),), proto="tcp")
    assert str(first.source.network) == "192.168.1.0/24"
    assert parsed["rules"][-1].v6 and parsed["rules"][-1].source.network is None  # Anywhere (v6)


def test_inactive_ufw_has_no_rules():
    assert status("inactive") == {"active": False, "defaults": {}, "rules": []}


def test_every_shape_of_rule_in_the_rich_sample():
    rules = {rule.text: rule for rule in status("rich")["rules"]}
    assert rules["2222 on tailscale0 ALLOW IN Anywhere"].to == ufw.Endpoint(None, ((2222, 2222),), None, "tailscale0")
    assert rules["22:3000/tcp ALLOW IN Anywhere"].to.ports == ((22, 3000),)
    assert rules["80,443/tcp ALLOW IN Anywhere"].to.ports == ((80, 80), (443, 443))
    assert rules["22/tcp (OpenSSH) ALLOW IN Anywhere"].to.ports == ((22, 22),)  # application profile
    assert rules["22/tcp (OpenSSH (v6)) ALLOW IN Anywhere (v6)"].v6
    assert rules["9100/tcp ALLOW IN Anywhere (log)"].source == ufw.Endpoint()  # `(log)` is no source
    assert str(rules["10.0.0.5 2222/tcp ALLOW IN Anywhere"].to.network) == "10.0.0.5/32"
    assert rules["2222/tcp ALLOW IN fd7a:115c:a1e0::/48"].v6  # a v6 source, printed without (v6)
    assert rules["Anywhere ALLOW IN 192.168.1.0/24 5353/udp"].to.proto == "udp"  # the source port's protocol
    assert rules["53/udp ALLOW OUT Anywhere"].direction == "OUT"
    assert rules["Anywhere on eth0 ALLOW FWD Anywhere on tailscale0"].source.interface == "tailscale0"


def test_what_lets_ssh_in_in_the_rich_sample():
    admitted = [rule.text for rule in ufw.admitting(status("rich")["rules"], 2222, "tcp")]
    assert "22:3000/tcp ALLOW IN Anywhere" in admitted  # a port range
    assert "Anywhere ALLOW IN Anywhere" in admitted and "Anywhere on eth0 ALLOW IN Anywhere" in admitted  # allow-all
    assert "2222/tcp LIMIT IN 100.64.0.0/10" in admitted
    assert not [text for text in admitted if "OUT" in text or "FWD" in text or "udp" in text or "(OpenSSH" in text]


def test_a_deny_before_an_allow_shuts_it_ufw_applies_the_first_match():
    # `ufw insert 1 deny 2222` went into the IPv4 rules only; the IPv6 deny was appended after the allow.
    admitted = [rule.text for rule in ufw.admitting(status("denied-first")["rules"], 2222, "tcp")]
    assert admitted == ["2222/tcp (v6) ALLOW IN Anywhere (v6)"]


@pytest.mark.parametrize("sample", ["baseline", "tailscale-interface", "allow-all-from-lan"])
def test_ssh_check_passes_when_ssh_is_open_to_the_lan_and_tailscale_only(sample):
    ssh_check()(status(sample))


@pytest.mark.parametrize(
    ("sample", "reported"),
    [
        ("open-to-world", ["2222/tcp ALLOW IN Anywhere", "2222/tcp (v6) ALLOW IN Anywhere (v6)"]),
        ("limit-open-to-world", ["2222/tcp LIMIT IN Anywhere", "2222/tcp (v6) LIMIT IN Anywhere (v6)"]),
        ("port-range", ["22:3000/tcp ALLOW IN Anywhere", "22:3000/tcp (v6) ALLOW IN Anywhere (v6)"]),
        ("allow-all", ["Anywhere ALLOW IN Anywhere", "Anywhere (v6) ALLOW IN Anywhere (v6)"]),
        ("interface-open-to-world", ["2222/tcp on eth0 ALLOW IN Anywhere"]),
        ("source-port", ["Anywhere ALLOW IN 53/tcp", "Anywhere (v6) ALLOW IN 53/tcp (v6)"]),
        ("denied-after", ["2222/tcp ALLOW IN Anywhere", "2222/tcp (v6) ALLOW IN Anywhere (v6)"]),
        ("denied-first", ["2222/tcp (v6) ALLOW IN Anywhere (v6)"]),
    ],
)
def test_ssh_check_fails_on_every_rule_that_opens_ssh_to_anyone_else(sample, reported):
    with pytest.raises(AssertionError, match="ufw opens SSH beyond the LAN and Tailscale") as failure:
        ssh_check()(status(sample))
    for text in reported:
        assert repr(text) in str(failure.value)
