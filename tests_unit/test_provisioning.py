"""provisioning/ is lint-clean: yamllint and ansible-lint (production profile); `orion gate` runs --syntax-check.

The tools come from the dev extra (ansible-core, ansible-lint, yamllint), installed next to this Python by
`make deps`. None of them needs the network: the roles use ansible.builtin modules only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orion import PROJECT_ROOT
from orion.lab.provision import parse_recap

PROVISIONING = PROJECT_ROOT / "provisioning"


def tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}: run `make deps`")
    return str(path)


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_CONFIG": str(PROVISIONING / "ansible.cfg"), "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1"}
    env["ANSIBLE_LOCAL_TEMP"] = env.get("ANSIBLE_LOCAL_TEMP", "/tmp/orion-ansible-tmp")
    return subprocess.run(argv, cwd=PROVISIONING, capture_output=True, text=True, env=env, timeout=600)


def test_yamllint_is_clean():
    proc = run(tool("yamllint"), "--strict", "--format", "parsable", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ansible_lint_is_clean_with_the_production_profile():
    proc = run(tool("ansible-lint"), "--offline", "--nocolor", "-q", "site.yml", "roles")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


def test_play_recap_is_parsed_into_changed_counts():
    output = (
        "PLAY RECAP *********************************************************************\n"
        "orion-cortex               : ok=61   changed=3    unreachable=0    failed=0    skipped=19   "
        "rescued=0    ignored=0\n"
        "orion-synapse              : ok=52   changed=0    unreachable=0    failed=0    skipped=21   "
        "rescued=0    ignored=0\n"
    )
    recap = parse_recap(output)
    assert recap["orion-cortex"]["changed"] == 3 and recap["orion-synapse"]["skipped"] == 21
    assert sum(r["changed"] for r in recap.values()) == 3
