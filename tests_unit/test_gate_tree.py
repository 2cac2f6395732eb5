"""`orion gate` judges the checkout it is run in (or `--repo DIR`), not the tree Orion was installed from, and
its first line names the tree it read. Run as CI runs it: a subprocess, from a copy of the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orion import PROJECT_ROOT, tree
from orion.errors import ConfigError

TIMEOUT_S = 300
JELLYFIN = "    image: lscr.io/linuxserver/jellyfin:"


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two copies of the repository's subject tree: one as committed, one with a privileged Jellyfin."""
    base = tmp_path_factory.mktemp("trees")
    copies = []
    for name in ("clean", "broken"):
        root = base / name
        for part in ("stacks", "provisioning"):
            shutil.copytree(PROJECT_ROOT / part, root / part, ignore=shutil.ignore_patterns("secrets", ".env"))
        copies.append(root)
    compose = copies[1] / "stacks" / "cortex" / "compose.yml"
    text = compose.read_text()
    assert text.count(JELLYFIN) == 1
    compose.write_text(text.replace(JELLYFIN, "    privileged: true\n" + JELLYFIN))
    return copies[0], copies[1]


def gate(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # The validators (yamllint, ansible-playbook…) come from the virtualenv, as `make deps` installs them.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("ORION_STACKS_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "orion.cli", "gate", "cortex", "--state-dir", str(cwd.parent / f"state-{cwd.name}"),
         *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
    )  # fmt: skip


def first_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.splitlines()[0]


def test_the_gate_run_in_a_broken_checkout_fails_naming_the_requirement(checkouts):
    _, broken = checkouts
    result = gate(cwd=broken / "stacks" / "cortex")  # anywhere inside the checkout
    assert result.returncode == 1, result.stdout + result.stderr
    assert first_line(result) == f"orion gate: judging {broken} (the current directory's checkout)"
    assert "SEC-05" in result.stdout and "privileged without a justification" in result.stdout
    assert "stacks/cortex/compose.yml:" in result.stdout, "the violation names the file of the judged tree"


def test_the_same_gate_passes_in_the_original(checkouts):
    clean, _ = checkouts
    result = gate(cwd=clean)
    assert result.returncode == 0, result.stdout + result.stderr
    assert first_line(result) == f"orion gate: judging {clean} (the current directory's checkout)"


def test_repo_names_the_tree_whatever_the_current_directory(checkouts, tmp_path):
    clean, broken = checkouts
    result = gate("--repo", str(broken), cwd=clean)
    assert result.returncode == 1 and "SEC-05" in result.stdout, result.stdout + result.stderr
    assert first_line(result) == f"orion gate: judging {broken} (--repo)"


def test_repo_that_is_not_a_checkout_is_a_usage_error(tmp_path):
    result = gate("--repo", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "not an Orion homelab checkout" in result.stderr and "Traceback" not in result.stderr


def test_outside_any_checkout_the_installed_tree_is_judged(tmp_path):
    assert tree.find(cwd=tmp_path) == tree.Tree(PROJECT_ROOT, "the installed tree")


def test_the_git_top_level_wins_over_a_nearer_stacks_directory(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "stacks").mkdir()
    inner = tmp_path / "docs" / "example"
    (inner / "stacks").mkdir(parents=True)
    assert tree.find(cwd=inner).root == tmp_path


def test_without_git_the_nearest_parent_holding_stacks_is_judged(tmp_path):
    (tmp_path / "stacks" / "cortex").mkdir(parents=True)
    assert tree.find(cwd=tmp_path / "stacks" / "cortex").root == tmp_path


def test_an_explicit_repo_must_hold_stacks(tmp_path):
    with pytest.raises(ConfigError, match="no stacks/ directory"):
        tree.find(tmp_path)


def plain_pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Orion's checks under plain pytest, as a user runs them from a checkout."""
    env = {**os.environ, "ORION_TOOL_PREFETCH": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("ORION_STACKS_DIR", None)
    hardening = PROJECT_ROOT / "checks" / "security" / "test_container_hardening.py"
    command = [sys.executable, "-m", "pytest", "-p", "orion.plugin", str(hardening), "-m", "static", "--orion-offline",
               "--orion-node=cortex", "-q", "-p", "no:cacheprovider", f"--rootdir={PROJECT_ROOT}",
               f"--state-dir={cwd.parent / 'state-pytest'}", *args]  # fmt: skip
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)


def test_plain_pytest_follows_the_same_rule(checkouts):
    clean, broken = checkouts
    assert plain_pytest(cwd=clean).returncode == 0
    from_the_copy = plain_pytest(cwd=broken)
    assert from_the_copy.returncode == 1 and "privileged without a justification" in from_the_copy.stdout
    assert plain_pytest(f"--orion-repo={broken}", cwd=clean).returncode == 1
