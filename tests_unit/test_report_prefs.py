"""The reports' language and alert thresholds come from the inventory, checked like every inventory key."""

from __future__ import annotations

import pytest

from orion import inventory
from orion.errors import ConfigError
from orion.report import prefs

INVENTORY = """
all:
  vars:
{vars}
  children:
    synapse:
      hosts:
        orion-synapse: {{ansible_host: 127.0.0.1, orion_node: synapse}}
"""


def _inv(write, lines: str):
    return inventory.load(write("inventory.yml", INVENTORY.format(vars=lines)))


def test_the_inventory_sets_language_and_thresholds(write):
    found = prefs.of(_inv(write, "    orion_lang: en\n    orion_alert_after: 3\n    orion_resolve_after: 4"))
    assert found == prefs.Prefs("en", prefs.Thresholds(3, 4))


def test_without_them_french_alert_at_once_recover_after_two(write):
    assert prefs.of(_inv(write, "    orion_domain: example.org")) == prefs.Prefs("fr", prefs.Thresholds(1, 2))


@pytest.mark.parametrize("line", ["    orion_lang: de", "    orion_alert_after: 0", "    orion_resolve_after: many"])
def test_a_bad_value_names_the_inventory_and_the_key(write, line):
    with pytest.raises(ConfigError, match=line.split(":")[0].strip()):
        prefs.of(_inv(write, line))


def test_an_unreadable_inventory_gives_the_defaults_and_says_why(tmp_path):
    found, why = prefs.load(tmp_path / "missing.yml")
    assert found == prefs.Prefs() and why
