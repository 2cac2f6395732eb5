"""TORR-01/02's egress probes tell "the far side answered" from "nothing left the box" on the lab.

A killswitch that rejects rather than drops answers the socket at once, from inside the namespace, with the
same "Connection refused" a remote host's RST gives: TORR-02 must stay green under it (nothing leaves), and
TORR-01 must stay green too (the tunnel is untouched). The variant is not a fault in lab/faults/ (those turn
their requirement red); it is applied and undone here.
"""

from __future__ import annotations

import subprocess

from labkit import checks, outcomes, unwell

#: The gateway's killswitch output policy turned from drop into a final reject rule, as a hand edit does.
REJECTING = "nft add rule inet gluetun output reject && nft add chain inet gluetun output '{ policy accept; }'"


def gateway(*command: str) -> str:
    found = subprocess.run(
        ["docker", "ps", "-q", "--filter", "label=com.docker.compose.project=cortex",
         "--filter", "label=com.docker.compose.service=gluetun"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert found, "no gluetun container in project cortex (is the lab up?)"
    done = subprocess.run(["docker", "exec", found[0], *command], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done.stdout


def test_a_killswitch_that_rejects_still_contains_and_the_tunnel_still_carries(lab, tmp_path):
    gateway("sh", "-c", REJECTING)
    try:
        assert "policy accept" in gateway("nft", "list", "chain", "inet", "gluetun", "output")
        record = checks(tmp_path, "--req", "TORR-02", "--req", "TORR-01")
    finally:
        gateway("killswitch", "on")
    for req in ("TORR-02", "TORR-01"):
        assert not unwell(record, req), f"{req} under a rejecting killswitch: {unwell(record, req)}"
        assert set(outcomes(record, req).values()) == {"passed"}, outcomes(record, req)
