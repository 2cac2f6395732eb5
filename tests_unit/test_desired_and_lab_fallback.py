"""provisioning/'s role defaults load through Orion's line-tracking YAML loader, from the judged tree; and
`orion lab` says why it is unavailable rather than vanishing from the command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orion import tree
from orion.errors import ConfigError
from orion.probes import desired


@pytest.fixture
def judged(tmp_path: Path) -> Iterator[Path]:
    """A checkout in tmp_path, judged for the test's duration."""
    (tmp_path / "stacks").mkdir()
    previous = tree._chosen
    tree.use(tree.Tree(tmp_path, "test"))
    yield tmp_path
    tree._chosen = previous


def defaults(root: Path, role: str, text: str) -> Path:
    path = root / "provisioning" / "roles" / role / "defaults" / "main.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_role_defaults_come_from_the_judged_tree(judged):
    defaults(judged, "storage", "---\nstorage_mount_point: /srv/elsewhere\n")
    assert desired.role_defaults("storage") == {"storage_mount_point": "/srv/elsewhere"}


def test_a_duplicate_default_is_an_error_at_its_line(judged):
    path = defaults(judged, "nfs", "nfs_mount_point: /a\nnfs_other: 1\nnfs_mount_point: /b\n")
    with pytest.raises(ConfigError) as caught:
        desired.role_defaults("nfs")
    assert (caught.value.path, caught.value.line) == (path, 3)
    assert "duplicate key 'nfs_mount_point'" in str(caught.value)


def test_bad_yaml_and_a_non_mapping_name_their_file(judged):
    defaults(judged, "base", "a: [1\n")
    with pytest.raises(ConfigError, match=r"roles/base/defaults/main\.yml:\d+: invalid YAML"):
        desired.role_defaults("base")
    defaults(judged, "ssh", "- a list\n")
    with pytest.raises(ConfigError, match=r"main\.yml:1: role defaults must be a mapping"):
        desired.role_defaults("ssh")


def test_a_missing_role_is_named(judged):
    with pytest.raises(ConfigError, match=r"roles/firewall/defaults/main\.yml: no such file"):
        desired.role_defaults("firewall")


def test_the_real_defaults_load():
    assert desired.role_defaults("maintenance")["maintenance_allowed_ports"]


LAB_BROKEN = """
import sys
sys.modules["orion.lab.cli"] = None  # what a missing dependency of the lab does to its import
from orion.cli import main
sys.argv = ["orion", *sys.argv[1:]]
main()
"""


def orion_without_lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LAB_BROKEN, *args], capture_output=True, text=True, timeout=60)


def test_orion_lab_says_why_it_is_unavailable():
    result = orion_without_lab("lab", "status")
    assert result.returncode == 2, result.stderr
    assert "orion lab is unavailable: ModuleNotFoundError: import of orion.lab.cli halted" in result.stderr
    assert "Traceback" not in result.stderr


def test_orion_lab_stays_listed_in_help():
    result = orion_without_lab("--help")
    assert result.returncode == 0, result.stderr
    assert "lab" in result.stdout and "unavailable" in result.stdout
