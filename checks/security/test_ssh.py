"""SEC-01: SSH is hardened: Ed25519 keys only, port 2222, no passwords. Read from `sshd -T`, the effective config."""

import pytest

from orion.expect import expect, expect_that

pytestmark = [pytest.mark.req("SEC-01"), pytest.mark.critical, pytest.mark.live]

ED25519 = ("ssh-ed25519", "sk-ssh-ed25519")


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
