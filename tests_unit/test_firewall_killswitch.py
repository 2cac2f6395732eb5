"""TORR-02's reading of a killswitch, iptables and nftables alike, on Gluetun v3.41-shaped rulesets.

The samples (tests_unit/samples/gluetun/, README there) are reconstructed from Gluetun's source, not captured:
airvpn-wireguard.txt is what `iptables-save` prints in Gluetun with AirVPN over WireGuard; the leak-* files add
one fault each; probe-* are RULESET_COMMAND outputs (several backends); lab-* are the lab gateway's nft ruleset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orion.probes import firewall

SAMPLES = Path(__file__).parent / "samples" / "gluetun"


def read(name: str) -> firewall.Killswitch:
    return firewall.killswitch((SAMPLES / name).read_text())


def test_gluetuns_own_rules_hold_with_their_exceptions():
    verdict = read("airvpn-wireguard.txt")
    assert verdict.holds, str(verdict)
    assert verdict.chain == "iptables-nft filter/OUTPUT policy DROP"
    assert verdict.exceptions == (
        "-A OUTPUT -o lo -j ACCEPT",
        "-A OUTPUT -s 172.20.0.2/32 -d 172.20.0.0/16 -o eth0 -j ACCEPT",
        "-A OUTPUT -s 172.20.0.2/32 -d 192.168.1.0/24 -o eth0 -j ACCEPT",
        "-A OUTPUT -d 203.0.113.47/32 -o eth0 -p udp -m udp --dport 1637 -j ACCEPT",
        "-A OUTPUT -o tun0 -j ACCEPT",
    )


@pytest.mark.parametrize(
    ("sample", "leak"),
    [
        ("leak-output-eth0.txt", "-A OUTPUT -o eth0 -j ACCEPT"),
        ("leak-policy-accept.txt", "policy ACCEPT"),
        ("leak-public-subnet.txt", "-A OUTPUT -s 172.20.0.2/32 -d 8.8.8.0/24 -o eth0 -j ACCEPT"),
        ("lab-nftables-leak-rule.json", "meta oifname eth0 accept"),
    ],
)
def test_a_leak_is_named(sample, leak):
    verdict = read(sample)
    assert not verdict.holds
    assert verdict.leaks == (leak,)
    assert leak in str(verdict)


def test_a_disabled_firewall_arms_nothing():
    verdict = read("disabled.txt")
    assert not verdict.holds and verdict.chain is None
    assert str(verdict) == "no output filter chain is armed in iptables-nft"


@pytest.mark.parametrize(
    ("sample", "backend"),
    [
        ("probe-nft-gluetun-legacy-docker.txt", "iptables-nft"),  # Docker's DNS rules sit in legacy
        ("probe-legacy-gluetun.txt", "iptables-legacy"),  # Gluetun fell back to legacy; Docker's nat is nft
        ("lab-nftables.json", "nft"),
    ],
)
def test_the_killswitch_is_found_in_the_backend_that_holds_it(sample, backend):
    verdict = read(sample)
    assert verdict.holds, str(verdict)
    assert verdict.chain is not None and verdict.chain.startswith(f"{backend} ")


def test_the_probe_names_the_wan_and_reads_each_dump_once():
    wan, chains = firewall.parse((SAMPLES / "probe-nft-gluetun-legacy-docker.txt").read_text())
    assert wan == "eth0"
    assert [str(c) for c in chains if c.base] == ["iptables-nft filter/OUTPUT"]  # iptables-save is the same dump


def test_the_lab_gateway_keeps_its_tunnel_and_endpoint_exceptions():
    verdict = read("lab-nftables.json")
    assert verdict.exceptions == (
        "meta oifname lo accept",
        "meta oifname wg-gluetun accept",
        "meta oifname eth0 ip daddr 10.213.0.2 udp dport 51820 accept",
    )


@pytest.mark.parametrize(
    ("rules", "holds"),
    [
        ("-A OUTPUT ! -o tun0 -j DROP", True),  # a killswitch in one rule, policy ACCEPT
        ("-A OUTPUT -o eth0 -j REJECT --reject-with icmp-port-unreachable", True),
        ("-A OUTPUT -o eth0 -p tcp -j DROP", False),  # UDP still leaves
        ("-A OUTPUT -o eth0 -m owner --uid-owner 0 -j DROP", False),  # a match Orion cannot read may not hold
        ("-A OUTPUT -j KS\n-A KS -o tun0 -j RETURN\n-A KS -j DROP", True),  # through a user chain
        ("-A OUTPUT -m conntrack --ctstate NEW -j DROP", True),
        ("-A OUTPUT -o eth0 -p tcp -m tcp --dport 443 -j ACCEPT\n-A OUTPUT -j DROP", False),  # HTTPS leaks
        ("-A OUTPUT -o eth+ -j ACCEPT\n-A OUTPUT -j DROP", False),  # a wildcard names the WAN too
    ],
)
def test_hand_written_killswitches(rules, holds):
    head = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KS - [0:0]\n"
    text = head + rules + "\nCOMMIT\n"
    assert firewall.killswitch("#### wan eth0\n#### iptables-legacy-save\n" + text).holds is holds


def test_two_endpoints_are_one_too_many():
    rules = (
        "-A OUTPUT -d 203.0.113.47/32 -o eth0 -p udp -m udp --dport 1637 -j ACCEPT\n"
        "-A OUTPUT -d 1.1.1.1/32 -o eth0 -p udp -m udp --dport 53 -j ACCEPT\n"
    )
    verdict = firewall.killswitch("*filter\n:OUTPUT DROP [0:0]\n" + rules + "COMMIT\n")
    assert verdict.leaks == ("-A OUTPUT -d 1.1.1.1/32 -o eth0 -p udp -m udp --dport 53 -j ACCEPT",)


def test_a_namespace_without_any_dump_tool_cannot_be_read():
    assert "exit 127" in firewall.RULESET_COMMAND


@pytest.mark.parametrize(
    ("sample", "backend", "holds"),
    [
        ("lab-iptables-nft.txt", "iptables-nft", True),
        ("lab-iptables-nft-leak-rule.txt", "iptables-nft", False),
        ("lab-iptables-legacy.txt", "iptables-legacy", True),
        ("lab-nftables-probe.txt", "nft", True),
        ("lab-nftables-probe-leak-rule.txt", "nft", False),
    ],
)
def test_captured_probe_outputs_of_the_lab_gateways_killswitch(sample, backend, holds):
    """RULESET_COMMAND's real output (iptables 1.8.9, nft 1.0.6) after `killswitch on` and `killswitch leak`."""
    verdict = read(sample)
    assert verdict.holds is holds, str(verdict)
    assert verdict.chain is not None and verdict.chain.startswith(f"{backend} ")


def test_captured_off_reads_every_variant_and_arms_none():
    verdict = read("lab-iptables-legacy-off.txt")
    assert not verdict.holds and verdict.chain is None
    assert verdict.backends == ("iptables-nft", "iptables-legacy")  # nft's copy of iptables-nft's table is skipped
