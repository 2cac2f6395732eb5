"""SEC-01: SSH is hardened: Ed25519 keys only, port 2222, no passwords. Read from `sshd -T`, the effective config,
and from `sshd -T -C` for each connection context, which applies the Match blocks that `sshd -T` leaves out."""

import pytest

from orion.expect import expect, expect_that

pytestmark = [pytest.mark.req("SEC-01"), pytest.mark.critical, pytest.mark.live]

ED25519 = ("ssh-ed25519", "sk-ssh-ed25519")
# What sshd must refuse whoever logs in, from wherever (root: for root's own logins).
REFUSED = ("passwordauthentication", "kbdinteractiveauthentication", "permitrootlogin")


def test_sshd_refuses_password_logins(sshd_config):
    expect(sshd_config.get("passwordauthentication"), "no", "sshd accepts password logins")


def test_sshd_refuses_keyboard_interactive_logins(sshd_config):
    expect(sshd_config.get("kbdinteractiveauthentication"), "no", "sshd accepts keyboard-interactive logins")


def test_sshd_listens_on_port_2222_only(sshd_config):
    expect(sshd_config.get("port"), "2222", "sshd must listen on port 2222, and on no other port")


def test_sshd_accepts_ed25519_keys_only(sshd_config):
    algorithms = sshd_config.get("pubkeyacceptedalgorithms", "").split(",")
    others = [a for a in algorithms if not a.startswith(ED25519)]
    expect_that(not others, "sshd accepts public keys other than Ed25519", observed=others, expected="ssh-ed25519")


def test_sshd_refuses_root_logins(sshd_config):
    expect(sshd_config.get("permitrootlogin"), "no", "sshd lets root log in")


def test_no_match_block_reopens_passwords_or_root_logins(sshd_config, sshd_contexts):
    """`sshd -T` applies no Match block: `Match Address 192.168.0.0/16` + `PasswordAuthentication yes` hides there.
    What every connection gets is the business of the checks above; this one names the contexts that get more."""
    reopened = sorted(
        f"{context}: {key} {settings.get(key)}"
        for context, settings in sshd_contexts.items()
        for key in REFUSED
        if settings.get(key) not in ("no", sshd_config.get(key))
        and (key != "permitrootlogin" or context.startswith("root "))
    )  # fmt: skip
    expect(reopened, [], "a Match block lets passwords, keyboard-interactive or root logins back in")
