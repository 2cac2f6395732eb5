"""How the inventory merges variables (Ansible's precedence), and the group_vars/ and host_vars/ it reads."""

import pytest

from orion import inventory
from orion.errors import ConfigError

NESTED = """\
all:
  vars:
    orion_node: cortex
    base_level: all
  children:
    zparent:
      vars:
        base_level: zparent
        base_parent_only: zparent
      children:
        achild:
          vars:
            base_level: achild
    sibling_b:
      vars:
        base_sibling: b
      hosts:
        web: {}
    sibling_a:
      vars:
        base_sibling: a
      hosts:
        web: {}
    achild:
      hosts:
        web:
          base_host: first mention
    other:
      hosts:
        web:
          base_host: last mention
"""


def hostvars(path, host="web"):
    return inventory.load(path).hosts[host].hostvars


def test_a_child_group_beats_its_parent_and_all_whatever_their_names(write):
    merged = hostvars(write("inventory.yml", NESTED))
    assert merged["base_level"] == "achild"
    assert merged["base_parent_only"] == "zparent"  # a parent's variables still reach the hosts of its children


def test_siblings_merge_by_name_unless_a_priority_says_otherwise(write):
    path = write("inventory.yml", NESTED)
    assert hostvars(path)["base_sibling"] == "b"  # sibling_b sorts after sibling_a: it wins
    path.write_text(NESTED.replace("base_sibling: a", "base_sibling: a\n        ansible_group_priority: 10"))
    assert hostvars(path)["base_sibling"] == "a"
    assert "ansible_group_priority" not in hostvars(path)  # it orders groups; it is no variable of the hosts


def test_a_host_s_own_variables_win_and_its_last_mention_wins(write):
    assert hostvars(write("inventory.yml", NESTED))["base_host"] == "last mention"


def test_a_group_written_in_two_places_is_one_group(write):
    inv = inventory.load(write("inventory.yml", NESTED))
    assert inv.groups["achild"].hosts == ("web",)
    assert set(inv.groups["all"].children) >= {"zparent", "achild", "ungrouped"}
    assert inv.groups["zparent"].children == ("achild",)
    assert inv.hosts["web"].groups == ("sibling_b", "sibling_a", "achild", "other")


def test_group_vars_and_host_vars_beside_the_inventory_are_read(write):
    path = write("inventory.yml", NESTED)
    write("group_vars/all.yml", "base_from_all_file: yes\nbase_level: group_vars/all\n")
    write("group_vars/sibling_a.yaml", "base_sibling: from group_vars\n")
    write("group_vars/other/10-first.yml", "base_dir: first\n")
    write("group_vars/other/20-second.yml", "base_dir: second\n")
    write("host_vars/web.yml", "base_host: host_vars\n")
    merged = hostvars(path)
    assert merged["base_from_all_file"] is True
    # Ansible's order: group_vars/all beats even a child group's vars in the inventory file.
    assert merged["base_level"] == "group_vars/all"
    assert merged["base_sibling"] == "from group_vars"  # group_vars/<group> beat the inventory file's groups
    assert merged["base_dir"] == "second"  # a directory's files apply in sorted order
    assert merged["base_host"] == "host_vars"  # host_vars/ beat the host's variables in the file


def test_only_the_first_group_vars_file_found_counts(write):
    path = write("inventory.yml", NESTED)
    write("group_vars/other.yml", "base_pick: yml\n")
    write("group_vars/other.yaml", "base_pick: yaml\n")
    assert hostvars(path)["base_pick"] == "yml"


def test_typed_keys_come_merged_too(write):
    path = write("inventory.yml", NESTED)
    write("group_vars/achild.yml", "orion_node: synapse\nansible_port: 2222\n")
    web = inventory.load(path).hosts["web"]
    assert (web.node, web.port) == ("synapse", 2222)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("group_vars/other.yml", "base_ok: 1\nbase_typo ok: 2\nansble_port: 22\n", r"other.yml:3: unknown variable"),
        ("group_vars/other/main.yml", "\n\norion_node: kortex\n", r"main.yml:3: .*orion_node.*kortex"),
        ("host_vars/web.yml", "ansible_port: many\n", r"web.yml:1: ansible_port of 'web' must be a port number"),
        ("group_vars/all.yml", "- a list\n", r"all.yml:1: a vars file is a mapping"),
        ("group_vars/all.yml", "base: [unclosed\n", r"all.yml:\d+: invalid YAML"),
        (
            "group_vars/other.yml",
            "ansible_group_priority: 3\n",
            r"other.yml:1: ansible_group_priority takes effect only",
        ),
        (
            "group_vars/all.yml",
            "orion_services:\n  radarr:\n    url: http://127.0.0.1:7878\n    api_key: {env: TEST_UNSET_KEY}\n",
            r"all.yml:4: secret radarr.api_key: environment variable TEST_UNSET_KEY is not set",
        ),
    ],
)
def test_a_bad_vars_file_names_its_own_file_and_line(write, name, text, expected):
    path = write("inventory.yml", NESTED)
    write(name, text)
    with pytest.raises(ConfigError, match=expected):
        inventory.load(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("base_sibling: a", "base_sibling: a\n        ansible_group_priority: high"),
            r"inventory.yml:22: ansible_group_priority of group 'sibling_a' must be an integer",
        ),
        (
            ("          base_host: first mention", "          ansible_group_priority: 2"),
            r"inventory.yml:27: ansible_group_priority takes effect only in a group's `vars`",
        ),
        (
            (
                "            base_level: achild",
                "            base_level: achild\n          children:\n            zparent:",
            ),
            r"inventory.yml:11: group 'achild' would be its own ancestor",
        ),
        (("    other:\n", "    other:\n      children:\n        all:\n"), r"inventory.yml:30: `all` holds every group"),
        (("      hosts:\n        web: {}", "      hosts: [web]"), r"inventory.yml:17: `hosts` of group 'sibling_b'"),
    ],
)
def test_a_bad_group_names_the_inventory_line(write, change, expected):
    path = write("inventory.yml", NESTED.replace(*change))
    with pytest.raises(ConfigError, match=expected):
        inventory.load(path)
