"""Parsers of what probes read: compose variables and .env files, host facts, and redaction."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orion import redact
from orion.errors import ConfigError
from orion.probes.compose import interpolate, read_env
from orion.probes.facts import FACTS

NAMES = st.text(string.ascii_uppercase + "_", min_size=1, max_size=6)
VALUES = st.text(string.ascii_letters + string.digits + ".:/-", max_size=12)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$A", "1"), ("${A}", "1"), ("${B:-d}", "d"), ("${E:-d}", "d"), ("${E-d}", ""), ("${A:?must}", "1"),
        ("${A:+alt}", "alt"), ("${B:+alt}", ""), ("$$A", "$A"), ("${A?must}:9090", "1:9090"),
    ],
)  # fmt: skip
def test_interpolation_follows_compose(template, expected):
    assert interpolate(template, {"A": "1", "E": ""}) == expected


@given(st.dictionaries(NAMES, VALUES), NAMES, VALUES)
def test_a_set_variable_always_wins_over_its_default(env, name, default):
    env = {**env, name: "set"}
    assert interpolate(f"${{{name}:-{default}}}", env) == "set"


@given(st.text(max_size=60))
def test_text_without_dollars_is_unchanged(text):
    text = text.replace("$", "")
    assert interpolate(text, {"A": "x"}) == text


def test_env_files_name_the_bad_line(tmp_path):
    path = tmp_path / ".env.example"
    path.write_text("# comment\nA=1\nexport B='two'\nnot a variable\n")
    with pytest.raises(ConfigError, match=r"\.env\.example:4: expected VAR=value"):
        read_env(path)
    path.write_text("A=1\nexport B='two'\n")
    assert read_env(path) == {"A": "1", "B": "two"}


def test_sshd_settings_parse_with_repeated_keys():
    parsed = FACTS["sshd_config"].parse("port 2222\nport 22\npasswordauthentication no\n")
    assert parsed == {"port": "2222 22", "passwordauthentication": "no"}


def test_listening_sockets_parse_ipv4_and_ipv6():
    out = (
        "tcp   LISTEN 0 128 0.0.0.0:2222 0.0.0.0:*\n"
        "tcp LISTEN 0 4096 [::]:9100 [::]:*\n"
        "udp UNCONN 0 0 127.0.0.1:53 0.0.0.0:*\n"
    )
    assert FACTS["listening"].parse(out) == {("tcp", "0.0.0.0", 2222), ("tcp", "::", 9100), ("udp", "127.0.0.1", 53)}


def test_disk_usage_parses_posix_df():
    out = "Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/sda1 4000 3000 1000 75% /mnt/hdd\n"
    assert FACTS["disk_usage"].parse(out) == {"/mnt/hdd": {"size": 4000, "used": 3000, "avail": 1000}}


@pytest.mark.parametrize("name", ["sshd_config", "os_release", "kernel", "disk_usage", "meminfo", "listening"])
@given(text=st.text(max_size=200))
def test_line_based_fact_parsers_take_any_text(name, text):
    FACTS[name].parse(text)


@given(secret=st.text(string.ascii_letters + string.digits + "!#%&*+-=?@^_~", min_size=4, max_size=30),
       before=st.text(max_size=20), after=st.text(max_size=20))  # fmt: skip
def test_a_registered_secret_never_survives_redaction(secret, before, after):
    redact.register(secret)
    assert secret not in redact.text(before + secret + after)


def test_credential_shapes_are_masked_even_when_unknown():
    text = (
        "GET http://admin:pa55@h/x Authorization: Bearer abc.def X-Api-Key: k1 password=p1 "
        "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"
    )
    masked = redact.text(text)
    for secret in ("pa55", "abc.def", "k1", "p1", "AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"):
        assert secret not in masked


def test_a_killswitch_reads_from_nftables_json_or_iptables_save():
    from orion.probes.firewall import output_dropped

    nft = '{"nftables": [{"table": {"family": "inet", "name": "gluetun"}}, {"chain": {"family": "inet", "table": "gluetun", "name": "out", "hook": "output", "policy": "%s"}}]}'  # noqa: E501
    assert output_dropped(nft % "drop") and not output_dropped(nft % "accept")
    assert not output_dropped('{"nftables": [{"metainfo": {"version": "1.0.6"}}]}'), "a flushed ruleset drops nothing"
    iptables = "*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n:OUTPUT %s [0:0]\nCOMMIT\n"
    assert output_dropped(iptables % "DROP") and not output_dropped(iptables % "ACCEPT")
