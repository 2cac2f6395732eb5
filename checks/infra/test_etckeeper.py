"""INFRA-05: configs are kept in git: /etc is an etckeeper repository, and no change in it goes uncommitted."""

import pytest

from orion.expect import expect, expect_none

pytestmark = [pytest.mark.req("INFRA-05"), pytest.mark.daily, pytest.mark.live]


def test_etc_is_kept_in_git(etc_is_git):
    expect(etc_is_git, True, "/etc is not a git repository: etckeeper is not set up")


def test_etc_has_no_uncommitted_changes(etc_uncommitted):
    expect_none(etc_uncommitted, "/etc has changes that etckeeper has not committed")
