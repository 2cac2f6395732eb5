"""INFRA-05: the Ansible kept in git, which provisions the Pis, parses (part of the gate)."""

import pytest

from orion.expect import expect_success
from orion.probes import validators

pytestmark = [pytest.mark.req("INFRA-05"), pytest.mark.daily, pytest.mark.static]


def test_the_playbook_passes_ansible_syntax_check():
    ran = validators.ansible_syntax_check()
    expect_success(ran, "provisioning/site.yml fails `ansible-playbook --syntax-check`")
