"""`orion inventory`: each host's merged variables, as `ansible-inventory --list` shows them, secrets never."""

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from orion.cli import app

INVENTORY = """\
all:
  vars:
    orion_node: cortex
    base_timezone: Etc/UTC
  children:
    cortex:
      vars:
        base_timezone: Europe/Paris
      hosts:
        orion-cortex:
          ansible_host: 192.0.2.10
          orion_services:
            radarr: {url: "http://127.0.0.1:7878", api_key: {env: TEST_RADARR_KEY}}
            grafana: {url: "http://admin:hunter22@127.0.0.1:3000"}
    synapse:
      hosts:
        orion-synapse:
          orion_node: synapse
          qbt_unused: 1
"""
SECRET = "radarr-secret-123"


@pytest.fixture
def path(write, monkeypatch):
    monkeypatch.setenv("TEST_RADARR_KEY", SECRET)
    return write("inventory.yml", INVENTORY.replace("          qbt_unused: 1\n", ""))


def orion(*args):
    return CliRunner().invoke(app, ["inventory", *args])


def test_the_listing_has_the_shape_of_ansible_inventory_list(path):
    result = orion("-i", str(path))
    assert result.exit_code == 0, result.stderr
    listing = json.loads(result.stdout)
    cortex = listing["_meta"]["hostvars"]["orion-cortex"]
    assert cortex["base_timezone"] == "Europe/Paris"  # the child group beats `all`
    assert listing["_meta"]["hostvars"]["orion-synapse"]["base_timezone"] == "Etc/UTC"
    assert listing["all"] == {"children": ["ungrouped", "cortex", "synapse"]}
    assert listing["cortex"] == {"hosts": ["orion-cortex"]}


def test_one_host_in_yaml(path):
    result = orion("-i", str(path), "--host", "orion-synapse", "--format", "yaml")
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {"base_timezone": "Etc/UTC", "orion_node": "synapse"}


def test_secrets_show_as_their_references_never_their_values(path):
    result = orion("-i", str(path), "--host", "orion-cortex")
    assert result.exit_code == 0, result.stderr
    services = json.loads(result.stdout)["orion_services"]
    assert services["radarr"]["api_key"] == {"env": "TEST_RADARR_KEY"}
    assert services["grafana"]["url"] == "http://admin:***@127.0.0.1:3000"  # an inline credential is masked
    assert SECRET not in result.stdout and "hunter22" not in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--host", "nope"], r"no host 'nope' \(hosts: orion-cortex, orion-synapse\)"),
        (["--format", "xml"], r"unknown format 'xml'"),
    ],
)
def test_usage_errors_exit_2(path, args, expected):
    result = orion("-i", str(path), *args)
    assert result.exit_code == 2
    assert re.search(expected, result.stderr)


def test_a_bad_inventory_exits_2_naming_file_and_line(write):
    path = write("inventory.yml", INVENTORY)
    result = orion("-i", str(path))
    assert result.exit_code == 2
    assert f"{path}:19: unknown variable 'qbt_unused'" in result.stderr
    assert not result.stdout
