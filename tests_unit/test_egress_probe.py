"""TORR-01/02's egress probes: what curl says when it tries to leave the VPN namespace."""

from __future__ import annotations

import json

import pytest

from orion.outcomes import CannotObserve, SubjectDown
from orion.probes import egress, firewall


def test_around_the_tunnel_binds_the_wan_interface_and_quotes_the_url():
    around = egress.command("http://10.213.0.10/json?a=1&b=2", around_tunnel=True)
    assert "/proc/net/route" in around
    assert '--interface "$dev"' in around
    assert "'http://10.213.0.10/json?a=1&b=2'" in around
    assert "--interface" not in egress.command("http://10.213.0.10/", around_tunnel=False)


#: curl 7.88's lines, as the probe's grep keeps them (measured in the lab's gateway namespace).
REFUSED = "* connect to 10.213.0.10 port 80 failed: Connection refused\n"
FAILED = "curl: (7) Failed to connect to 10.213.0.10 port 80 after 0 ms: Couldn't connect to server\nhttp=000\nrc=7\n"


def test_an_http_answer_is_an_answer_that_left():
    probe = egress.read(0, "wan=eth1\nhttp=200\nrc=0\nsent=7\n")
    assert (probe.wan, probe.http) == ("eth1", 200)
    assert probe.answered and probe.left
    assert "HTTP 200" in str(probe)


def test_an_http_error_status_is_still_the_far_side_answering():
    assert egress.read(0, "wan=eth1\nhttp=503\nrc=0\nsent=4\n").answered


@pytest.mark.parametrize(
    ("output", "left"),
    [
        # A killswitch that rejects (nft `reject`, `reject with tcp reset`): ECONNREFUSED, and eth1 sent nothing.
        ("wan=eth1\n" + REFUSED + FAILED + "sent=0\n", False),
        # `reject with icmpx admin-prohibited`: EHOSTUNREACH, nothing sent.
        ("wan=eth1\n* connect to 10.213.0.10 port 80 failed: No route to host\n" + FAILED + "sent=0\n", False),
        # An unreachable route: ENETUNREACH before any packet, whatever the counter says (the tunnel's noise).
        ("wan=eth1\n* connect to 10.213.0.10 port 80 failed: Network is unreachable\n" + FAILED + "sent=3\n", False),
        ("wan=eth1\n* connect to 10.213.0.10 port 80 failed: Operation not permitted\n" + FAILED + "sent=1\n", False),
        # The far side's RST: the SYN left eth1, so a refusal is an answer.
        ("wan=eth1\n" + REFUSED + FAILED + "sent=1\n", True),
        # A refusal with no counter cannot be pinned on the box: it counts as having left.
        ("wan=eth1\n" + REFUSED + FAILED + "sent=\n", True),
        # Connected, then reset: it left.
        ("wan=eth1\ncurl: (56) Recv failure: Connection reset by peer\nhttp=000\nrc=56\nsent=2\n", True),
    ],
)
def test_a_refusal_left_only_if_the_wan_interface_sent_something(output, left):
    probe = egress.read(0, output)
    assert not probe.answered
    assert probe.left is left
    assert probe.refused_locally is (not left and probe.rc == 7)


def test_a_local_refusal_says_what_and_how_many_packets_left():
    probe = egress.read(0, "wan=eth1\n" + REFUSED + FAILED + "sent=0\n")
    assert str(probe) == "Connection refused; 0 packet(s) left eth1 meanwhile (curl exit 7)"


def test_silence_is_no_answer():
    # What curl 7.88 prints when an nftables output policy drops the SYN (measured in a namespace).
    probe = egress.read(
        0, "wan=eth0\ncurl: (28) Connection timed out after 4001 milliseconds\nhttp=000\nrc=28\nsent=1\n"
    )
    assert not probe.answered and not probe.left
    assert "timed out" in str(probe)


def test_the_command_reports_status_errno_and_wan_packets():
    around = egress.command("http://10.213.0.10/json", around_tunnel=True)
    assert "%{http_code}" in around and "-v" in around
    assert "/sys/class/net/$dev/statistics/tx_packets" in around
    assert "sent=" in around


@pytest.mark.parametrize(
    ("rc", "output", "says"),
    [
        (0, "wan=eth0\nsh: curl: not found\nrc=127\n", r"could not run \(curl exit 127\)"),
        (0, "wan=eth0\ncurl: (45) bind failed\nrc=45\n", "curl exit 45"),
        (0, "garbage", "printed no WAN interface"),
        (0, "wan=eth0\n", r"curl exit -1"),
    ],
)
def test_a_probe_that_could_not_try_is_an_error_not_a_verdict(rc, output, says):
    with pytest.raises(CannotObserve, match=says):
        egress.read(rc, output)


def test_a_namespace_without_a_default_route_is_down_not_unobserved():
    with pytest.raises(SubjectDown, match="no default route") as down:
        egress.read(90, "wan=\n")
    assert (down.value.observed, down.value.source) == ("no default route: no WAN interface to leave by", egress.ROUTES)


def test_a_route_that_fails_at_once_never_sent_anything():
    # What curl 7.88 prints under an `unreachable` route (measured in a namespace): connect() fails itself.
    output = "wan=eth1\n* Immediate connect fail for 10.213.0.10: No route to host\n" + FAILED + "sent=2\n"
    probe = egress.read(0, output)
    assert probe.refused_locally and not probe.left
    assert str(probe).startswith("No route to host; 2 packet(s) left eth1")


def _chain(policy: str, *last: dict) -> str:
    chain = {"family": "inet", "table": "gluetun", "name": "output", "hook": "output", "policy": policy}
    rule = {"family": "inet", "table": "gluetun", "chain": "output", "expr": list(last)}
    return json.dumps({"nftables": [{"chain": chain}, {"rule": rule}]})


@pytest.mark.parametrize(
    ("ruleset", "dropped"),
    [
        (_chain("accept", {"reject": None}), True),  # the killswitch rejects instead of dropping by policy
        (_chain("accept", {"counter": {"packets": 0}}, {"drop": None}), True),
        (
            _chain(
                "accept", {"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "x"}}, {"drop": None}
            ),
            False,
        ),
        (_chain("drop", {"accept": None}), True),
        (_chain("accept", {"accept": None}), False),
    ],
)
def test_a_chain_ending_in_an_unconditional_reject_is_a_killswitch(ruleset, dropped):
    assert firewall.output_dropped(ruleset) is dropped
