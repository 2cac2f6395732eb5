import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orion import inventory, redact
from orion.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "provisioning" / "inventory.example.yml"

VALID = """\
all:
  vars:
    ansible_user: orion
    orion_domain: jarvis-hub.tech
  children:
    cortex:
      hosts:
        orion-cortex:
          ansible_host: 192.0.2.10
          ansible_port: 2222
          ansible_ssh_private_key_file: key
          orion_node: cortex
          orion_services:
            radarr: {url: "http://127.0.0.1:7878", api_key: {env: TEST_RADARR_KEY}}
            qbittorrent: {url: "http://127.0.0.1:8080", username: admin, password: {file: qbt}}
    synapse:
      hosts:
        orion-synapse:
          ansible_host: 192.0.2.11
          orion_node: synapse
          orion_docker: {host: "unix:///var/run/docker.sock", project: synapse}
          firewall_lan_cidr: 192.0.2.0/24
"""


@pytest.fixture
def valid(write, monkeypatch):
    monkeypatch.setenv("TEST_RADARR_KEY", "radarr-secret-123")
    write("key", "-----BEGIN OPENSSH PRIVATE KEY-----\n", 0o600)
    write("qbt", "qbt-secret-456\n", 0o600)
    return write("inventory.yml", VALID)


def test_a_valid_inventory_loads_into_typed_hosts(valid):
    inv = inventory.load(valid)
    cortex = inv.hosts["orion-cortex"]
    assert (cortex.address, cortex.port, cortex.user, cortex.node) == ("192.0.2.10", 2222, "orion", "cortex")
    assert cortex.key_file == valid.parent / "key"
    assert inv.hosts["orion-synapse"].port == 22 and inv.hosts["orion-synapse"].docker.project == "synapse"
    assert [h.name for h in inv.on("both")] == ["orion-cortex", "orion-synapse"]
    assert inv.domain == "jarvis-hub.tech"


def test_secrets_resolve_but_never_print(valid):
    qbt = inventory.load(valid).hosts["orion-cortex"].services["qbittorrent"]
    assert qbt.password.reveal() == "qbt-secret-456"
    assert "qbt-secret-456" not in repr(qbt) and str(qbt.password) == "***"
    assert redact.text("token qbt-secret-456 radarr-secret-123") == "token *** ***"


def test_resolution_order(valid, monkeypatch, tmp_path, state):  # state: no rendered lab inventory
    monkeypatch.delenv("ORION_INVENTORY", raising=False)
    monkeypatch.setattr(inventory, "SYSTEM_INVENTORY", tmp_path / "absent.yml")
    assert inventory.resolve_path() == inventory.LAB_INVENTORY
    monkeypatch.setattr(inventory, "SYSTEM_INVENTORY", valid)
    assert inventory.resolve_path() == valid
    monkeypatch.setenv("ORION_INVENTORY", "/from/env.yml")
    assert inventory.resolve_path() == Path("/from/env.yml")
    assert inventory.resolve_path("/explicit.yml") == Path("/explicit.yml")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("orion_node: cortex", "orion_node: kortex"),
            r"inventory.yml:12: .*orion_node.*'cortex' or 'synapse'.*kortex",
        ),
        (("ansible_port: 2222", "ansible_prot: 2222"), r"inventory.yml:10: unknown variable 'ansible_prot'"),
        (("ansible_port: 2222", "ansible_port: many"), r"inventory.yml:10: ansible_port of 'orion-cortex'"),
        (
            ("    cortex:\n", "    cortex:\n      hostz: {}\n"),
            r"inventory.yml:7: unknown key 'hostz' in group 'cortex'",
        ),
        (("{env: TEST_RADARR_KEY}", "{env: TEST_UNSET_KEY}"), r"inventory.yml:14: .*TEST_UNSET_KEY is not set"),
        (("password: {file: qbt}", "password: hunter2"), r"inventory.yml:15: .*password.*valid dictionary"),
        (("{file: qbt}", "{file: nope}"), r"inventory.yml:15: secret qbittorrent.password: no such file"),
        (('url: "http://127.0.0.1:7878"', "url: ftp://x"), r"inventory.yml:14: .*url.*should match"),
        (
            ("orion_node: synapse", "orion_domain: example.org"),
            r"inventory.yml:\d+: host 'orion-synapse' has no orion_node",
        ),
        (("  vars:", "  vars: [1]\n  varz:"), r"inventory.yml:\d+: "),
    ],
)
def test_a_bad_inventory_names_file_line_and_what_was_expected(valid, change, expected):
    valid.write_text(VALID.replace(*change))
    with pytest.raises(ConfigError, match=expected):
        inventory.load(valid)


def test_a_secret_file_readable_by_others_is_refused(valid):
    (valid.parent / "qbt").chmod(0o644)
    with pytest.raises(ConfigError, match=r"inventory.yml:15: .*readable by others \(mode 644\); chmod 600"):
        inventory.load(valid)


def test_a_missing_inventory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"absent\.yml: no such file"):
        inventory.load(tmp_path / "absent.yml")


def test_the_example_inventory_of_the_real_homelab_is_valid(monkeypatch, tmp_path):
    text = EXAMPLE.read_text()
    for name in re.findall(r"\{env: ([A-Z0-9_]+)\}", text):
        monkeypatch.setenv(name, "example-secret")
    monkeypatch.setenv("HOME", str(tmp_path))
    key = tmp_path / ".ssh" / "orion_ed25519"
    key.parent.mkdir()
    key.write_text("key")
    key.chmod(0o600)
    inv = inventory.load(EXAMPLE)
    assert {h.node for h in inv.hosts.values()} == {"cortex", "synapse"}
    assert all(h.port == 2222 and h.key_file == key for h in inv.hosts.values())
    assert inv.domain == "jarvis-hub.tech"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.recursive(
        st.one_of(st.none(), st.integers(), st.text(max_size=8)),
        lambda children: st.dictionaries(
            st.sampled_from(["all", "hosts", "vars", "children", "h1", "orion_node", "ansible_port", "zz"]),
            children,
            max_size=4,
        ),
        max_leaves=12,
    )
)
def test_any_document_loads_or_raises_config_error(tmp_path, data):
    path = tmp_path / "fuzz.yml"
    path.write_text(yaml.safe_dump(data))
    try:
        inventory.load(path)
    except ConfigError as exc:
        assert str(path) in str(exc)


def test_host_key_checking_follows_the_ansible_ssh_args(valid):
    assert inventory.load(valid).hosts["orion-cortex"].check_host_key
    valid.write_text(
        VALID.replace(
            "ansible_user: orion", "ansible_user: orion\n    ansible_ssh_common_args: -o StrictHostKeyChecking=no"
        )
    )
    assert not inventory.load(valid).hosts["orion-cortex"].check_host_key
