"""TORR-01/02's egress probes: what curl says when it tries to leave the VPN namespace."""

from __future__ import annotations

import pytest

from orion.outcomes import CannotObserve, SubjectDown
from orion.probes import egress


def test_around_the_tunnel_binds_the_wan_interface_and_quotes_the_url():
    around = egress.command("http://10.213.0.10/json?a=1&b=2", around_tunnel=True)
    assert "/proc/net/route" in around
    assert '--interface "$dev"' in around
    assert "'http://10.213.0.10/json?a=1&b=2'" in around
    assert "--interface" not in egress.command("http://10.213.0.10/", around_tunnel=False)


@pytest.mark.parametrize(
    "output",
    [
        "wan=eth0\ncurl: (7) Failed to connect to 1.1.1.1 port 80 after 0 ms: Couldn't connect to server\n"
        "rc=7\n",  # refused by the far end: the SYN left (curl 7.88's wording)
        "wan=eth0\nrc=0\n",  # an answer came back
        "wan=eth0\ncurl: (56) Recv failure: Connection reset by peer\nrc=56\n",
    ],
)
def test_anything_that_came_back_answered(output):
    probe = egress.read(0, output)
    assert probe.wan == "eth0"
    assert probe.answered


def test_silence_is_no_answer():
    # What curl 7.88 prints when an nftables output policy drops the SYN (measured in a namespace).
    probe = egress.read(0, "wan=eth0\ncurl: (28) Connection timed out after 4001 milliseconds\nrc=28\n")
    assert not probe.answered
    assert "timed out" in str(probe)


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
