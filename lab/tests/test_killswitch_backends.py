"""TORR-02 on each firewall backend Gluetun may choose: the lab's gateway arms its killswitch with the rules
Gluetun v3.41 writes through `iptables` (the nf_tables variant on bookworm) and through `iptables-legacy`, and
the check reads each one right: green when armed, red when a rule leaks out of the WAN, red when flushed.

The lab's faults run on the default nftables backend (test_lab.py); this file switches the running gateway to
each iptables variant in turn, and always puts the nftables killswitch back.
"""

from __future__ import annotations

import subprocess

import pytest
from labkit import checks, outcomes, red, unwell

VARIANTS = ("iptables", "iptables-legacy")


def gateway(command: str) -> str:
    found = subprocess.run(
        ["docker", "ps", "-q", "--filter", "label=com.docker.compose.project=cortex",
         "--filter", "label=com.docker.compose.service=gluetun"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert found, "no gluetun container in project cortex (is the lab up?)"
    done = subprocess.run(["docker", "exec", found[0], "sh", "-c", command], capture_output=True, text=True)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_torr02_reads_the_iptables_killswitch(lab, tmp_path, variant):
    try:
        armed = gateway(f"killswitch off && KILLSWITCH_BACKEND=iptables KILLSWITCH_IPTABLES={variant} killswitch on")
        assert variant in armed, armed
        assert ":OUTPUT DROP" in gateway(f"{variant}-save -t filter")
        record = checks(tmp_path, "--req", "TORR-02", "--req", "TORR-01")
        for req in ("TORR-02", "TORR-01"):
            assert set(outcomes(record, req).values()) == {"passed"}, (variant, unwell(record, req))

        gateway("killswitch leak")
        assert "TORR-02" in red(checks(tmp_path, "--req", "TORR-02")), f"{variant}: a leak rule stayed green"

        gateway("killswitch off")
        assert "TORR-02" in red(checks(tmp_path, "--req", "TORR-02")), f"{variant}: a flushed killswitch stayed green"
    finally:
        gateway("killswitch off; KILLSWITCH_BACKEND=nftables killswitch on")
    assert not unwell(checks(tmp_path, "--req", "TORR-02"), "TORR-02"), "the nftables killswitch is back"
