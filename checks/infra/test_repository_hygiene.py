"""INFRA-05: the configs kept in git are clean: YAML passes yamllint (stacks/.yamllint), shell scripts pass
shellcheck, and git ignores secrets and .env files. This is the hygiene the pre-push hook enforces before a
change reaches the repository the Pis deploy from (INFRA-03 covers what the stacks mean, this what they are)."""

import pytest

from orion.expect import expect_none, expect_success
from orion.probes import located, validators

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("INFRA-05")]

NEVER_COMMITTED = ("*/secrets/", "*/.env")


def test_yaml_files_pass_yamllint(stack):
    ran = validators.yamllint(stack)
    expect_success(ran, "yamllint finds problems")


def test_shell_scripts_pass_shellcheck(stack):
    if not validators.shell_scripts(stack):
        pytest.skip(f"{located.shown(stack.dir)} has no shell script")
    ran = validators.shellcheck(stack)
    expect_success(ran, "shellcheck finds problems")


def test_git_ignores_secrets_and_env_files(stack):
    gitignore = stack.dir.parent / ".gitignore"
    patterns = located.read(gitignore).read_text(encoding="utf-8").split() if gitignore.is_file() else []
    missing = [p for p in NEVER_COMMITTED if p not in patterns]
    expect_none(missing, "git does not ignore", where=located.shown(gitignore))
