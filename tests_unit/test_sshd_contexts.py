"""SEC-01's Match blocks: `sshd -T -C` per connection context, on real OpenSSH 9.2 output (samples/sshd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from checkload import check_function

from orion.probes.facts import FACTS, SSH_SOURCES

SAMPLES = Path(__file__).parent / "samples" / "sshd"
#: `sshd -T` of a hardened host: what every connection gets before Match blocks.
HARDENED = {"passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitrootlogin": "no"}


def contexts(name: str) -> dict[str, dict[str, str]]:
    return FACTS["sshd_contexts"].parse((SAMPLES / f"contexts-{name}.txt").read_text())


def check():
    return check_function("security/test_ssh.py", "test_no_match_block_reopens_passwords_or_root_logins")


def test_one_context_per_account_and_source():
    parsed = contexts("hardened")
    assert len(parsed) == 3 * len(SSH_SOURCES)  # root, orion, pi
    lan = parsed["pi from 192.168.1.50 (LAN)"]
    assert lan["port"] == "2222" and lan["passwordauthentication"] == "no"
    assert set(SSH_SOURCES.values()) == {"LAN", "Tailscale", "anywhere"}
    assert "root from 2001:db8::7 (anywhere)" in parsed


def test_the_match_block_shows_for_lan_sources_only():
    parsed = contexts("match-password")
    reopened = sorted(name for name, settings in parsed.items() if settings["passwordauthentication"] != "no")
    assert reopened == [f"{user} from 192.168.1.50 (LAN)" for user in ("orion", "pi", "root")]


def test_the_fact_runs_as_root_without_commas_for_sudoers():
    fact = FACTS["sshd_contexts"]
    assert fact.sudo and "," not in fact.command and "#" not in fact.command
    assert "sshd -T -C user=$u -C host=$a -C addr=$a" in fact.command


def test_check_passes_on_the_hardened_config():
    check()(HARDENED, contexts("hardened"))


def test_check_fails_on_a_match_block_that_reopens_passwords():
    with pytest.raises(AssertionError, match="a Match block lets passwords") as failure:
        check()(HARDENED, contexts("match-password"))
    assert "root from 192.168.1.50 (LAN): passwordauthentication yes" in str(failure.value)


def test_check_fails_on_root_logins_reopened_for_root_only():
    parsed = contexts("hardened")
    parsed["root from 100.64.0.1 (Tailscale)"]["permitrootlogin"] = "prohibit-password"
    parsed["pi from 100.64.0.1 (Tailscale)"]["permitrootlogin"] = "yes"  # not root's login: not reported
    with pytest.raises(AssertionError) as failure:
        check()(HARDENED, parsed)
    assert "root from 100.64.0.1 (Tailscale): permitrootlogin prohibit-password" in str(failure.value)
    assert "pi from" not in str(failure.value)


def test_a_setting_every_connection_gets_is_left_to_the_global_checks():
    """Root logins allowed everywhere (`sshd -T` says so) is test_sshd_refuses_root_logins's failure, not a Match
    block's: this check names only the contexts that get more than every connection does."""
    everywhere = {
        name: {**settings, "permitrootlogin": "prohibit-password"} for name, settings in contexts("hardened").items()
    }
    check()({**HARDENED, "permitrootlogin": "prohibit-password"}, everywhere)


def test_no_context_at_all_is_no_observation():
    from orion.outcomes import CannotObserve

    with pytest.raises(CannotObserve, match="no connection context"):
        FACTS["sshd_contexts"].parse("")
