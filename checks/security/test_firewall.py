"""SEC-02: ufw denies incoming traffic by default, SSH is open to the LAN and Tailscale only, and fail2ban
watches sshd. Read from `ufw status verbose`, the kernel's INPUT chain (`ufw status` only reports ufw's own
files, so a flushed firewall still reads "active" there) and `fail2ban-client status sshd`."""

import ipaddress

import pytest

from orion.expect import expect, expect_that
from orion.probes import ufw

pytestmark = [pytest.mark.req("SEC-02"), pytest.mark.critical, pytest.mark.live]

SSH_PORT = 2222
TAILSCALE_INTERFACE = "tailscale0"
# The home LAN (RFC 1918) and Tailscale's CGNAT range: the only sources SSH may be open to.
TRUSTED = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]
TRUSTED_V6 = [ipaddress.ip_network(n) for n in ("fd00::/8", "fd7a:115c:a1e0::/48")]  # ULA, Tailscale


def _trusted(rule: ufw.Rule) -> bool:
    """A rule on Tailscale's interface, or from the LAN or Tailscale's addresses; "Anywhere" is not trusted."""
    network = rule.source.network
    if rule.to.interface == TAILSCALE_INTERFACE:
        return True
    return network is not None and any(network.subnet_of(t) for t in (TRUSTED if network.version == 4 else TRUSTED_V6))


def test_ufw_is_active(ufw_status):
    expect(ufw_status["active"], True, "ufw is not active: the firewall filters nothing")


def test_ufw_denies_incoming_traffic_by_default(ufw_status):
    expect_that(
        ufw_status["defaults"].get("incoming") in ("deny", "reject"),
        "ufw lets incoming traffic in by default",
        observed=ufw_status["defaults"],
        expected={"incoming": "deny"},
    )


def test_the_kernel_drops_incoming_traffic_that_ufw_does_not_allow(input_chain):
    expect_that(
        input_chain["policy"] == "DROP" and "ufw-before-input" in input_chain["jumps"],
        "the kernel's INPUT chain does not enforce ufw: the firewall was flushed or bypassed",
        observed=input_chain,
        expected={"policy": "DROP", "jumps": ["ufw-before-input", "..."]},
    )


def test_ssh_is_open_to_the_lan_and_tailscale_only(ufw_status):
    # Every rule that lets SSH in, as ufw reads it: port ranges, allow-all rules, interfaces, earlier denies.
    untrusted = [rule.text for rule in ufw.admitting(ufw_status["rules"], SSH_PORT, "tcp") if not _trusted(rule)]
    expect_that(not untrusted, "ufw opens SSH beyond the LAN and Tailscale", observed=untrusted, expected=TRUSTED)


def test_fail2ban_watches_sshd(fail2ban_sshd):
    expect_that(fail2ban_sshd is not None, "fail2ban is not running, or has no sshd jail: SSH brute force goes "
                "unbanned", observed=fail2ban_sshd, expected="an sshd jail")  # fmt: skip
