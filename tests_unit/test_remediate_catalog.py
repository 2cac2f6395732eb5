"""remediations/catalog.yml: validated with file:line errors, in sync with checks/requirements.yml, and every
executable is runnable and lint-clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from orion import catalogue, matrix
from orion.errors import ConfigError
from orion.remediate import catalog
from orion.remediate.catalog import Mode
from tests_unit.remediate_fakes import remediations

ENTRY = """\
fix:
  req: MAINT-04
  mode: auto
  summary: fix it
  run: fix
  target: {node: check, via: docker}
"""


@pytest.fixture(scope="module")
def rows():
    return {row.id: row for row in matrix.collect(catalogue.load())}


def test_the_catalogue_loads_with_a_closed_vocabulary_of_modes():
    entries = list(catalog.load())
    assert entries and all(e.mode in Mode for e in entries)
    assert {e.mode for e in entries} == set(Mode)


def test_every_requirement_with_a_check_names_its_remediation(rows):
    silent = [r.id for r in catalogue.load() if rows[r.id].checks and not (r.remediations or r.remediation_never)]
    assert not silent, f"requirements with checks and no `remediation:` (an entry or {{never: reason}}): {silent}"


def test_requirements_and_the_catalogue_name_each_other():
    entries = catalog.load()
    reqs = catalogue.load()
    for req in reqs:
        for entry_id in req.remediations:
            assert entry_id in entries, f"{req.id} names {entry_id!r}, which remediations/catalog.yml lacks"
            assert entries[entry_id].req == req.id, f"{entry_id} acts on {entries[entry_id].req}, not {req.id}"
    for entry in entries:
        assert entry.req in reqs, f"{entry.id}: unknown requirement {entry.req}"
        assert entry.id in reqs[entry.req].remediations, f"{entry.req} does not name its entry {entry.id}"


def test_an_entry_for_one_check_names_a_check_of_its_requirement(rows):
    for entry in catalog.load():
        if entry.check:
            names = [name.split("::")[-1] for name in rows[entry.req].checks]
            assert entry.check in names, f"{entry.id}: {entry.req} has no check {entry.check}"


def test_the_leak_fails_closed_first_and_data_is_never_deleted_unasked():
    entries = list(catalog.load())
    assert entries[0].id == "stop-qbittorrent" and entries[0].mode is Mode.AUTO
    by_req = {e.req: e for e in entries}
    assert by_req["MEDIA-05"].mode is Mode.CONFIRM and by_req["INFRA-01"].mode is Mode.CONFIRM
    assert by_req["MON-06"].mode is Mode.NEVER and by_req["BACKUP-07"].mode is Mode.NEVER


def test_every_executable_has_its_run_bit_and_is_lint_clean():
    folder = catalog.DEFAULT_DIR
    scripts = sorted({folder / e.run for e in catalog.load() if e.run})
    assert all(os.access(p, os.X_OK) for p in scripts)
    shells = [str(p) for p in scripts if p.read_text().startswith("#!/usr/bin/env bash")]
    pythons = [str(p) for p in scripts if "python" in p.read_text().splitlines()[0]]
    assert set(shells) | set(pythons) == {str(p) for p in scripts}
    if shutil.which("shellcheck"):
        proc = subprocess.run(["shellcheck", "-x", *shells, str(folder / "_lib.sh")], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout
    if pythons:
        proc = subprocess.run([sys.executable, "-m", "ruff", "check", *pythons], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


def test_an_unknown_key_names_its_line(tmp_path):
    folder = remediations(tmp_path, ENTRY + "  colour: red\n", {"fix": "true\n"})
    with pytest.raises(ConfigError, match=r"catalog.yml:10: entries.fix.colour: unknown key"):
        catalog.load(folder)


def test_a_bad_mode_names_its_line_and_the_choices(tmp_path):
    folder = remediations(tmp_path, ENTRY.replace("mode: auto", "mode: sometimes"), {"fix": "true\n"})
    with pytest.raises(ConfigError, match=r"catalog.yml:6: entries.fix.mode: .*'auto', 'confirm' or 'never'"):
        catalog.load(folder)


def test_never_and_confirm_need_a_reason(tmp_path):
    folder = remediations(tmp_path, ENTRY.replace("mode: auto", "mode: confirm"), {"fix": "true\n"})
    with pytest.raises(ConfigError, match="a `confirm` entry needs a `reason`"):
        catalog.load(folder)


def test_a_missing_or_non_executable_script_names_its_line(tmp_path):
    folder = remediations(tmp_path, ENTRY, {})
    with pytest.raises(ConfigError, match=r"catalog.yml:8: no executable .*/fix"):
        catalog.load(folder)
    (folder / "fix").write_text("#!/bin/sh\n")
    with pytest.raises(ConfigError, match="is not executable: chmod"):
        catalog.load(folder)


def test_a_script_outside_the_directory_is_refused(tmp_path):
    folder = remediations(tmp_path, ENTRY.replace("run: fix", "run: ../../bin/sh"), {"fix": "true\n"})
    with pytest.raises(ConfigError, match=r"entries.fix.run: String should match pattern"):
        catalog.load(folder)


def test_durations_and_budgets_are_validated(tmp_path):
    folder = remediations(tmp_path, ENTRY + "  cooldown: soon\n", {"fix": "true\n"})
    with pytest.raises(ConfigError, match=r"catalog.yml:10: .*a duration is a number with s, m, h or d"):
        catalog.load(folder)
    folder = remediations(tmp_path, ENTRY + "  budget: {attempts: 3, per: 6h}\n  timeout: 90s\n", {"fix": "true\n"})
    entry = catalog.load(folder)["fix"]
    assert entry.budget.per == 6 * 3600 and entry.timeout == 90


def test_secrets_are_named_service_dot_field(tmp_path):
    folder = remediations(tmp_path, ENTRY + "  secrets: [QBT_PASSWORD]\n", {"fix": "true\n"})
    with pytest.raises(ConfigError, match=r"entries\.fix\.secrets\.0"):
        catalog.load(folder)


def test_the_requirement_remediation_field_takes_an_entry_or_never_with_a_reason(write):
    base = (
        "title: Something\n    title_fr: Quelque chose\n    domain: security\n    node: both\n    cadence: critical\n"
    )
    path = write("r.yml", f"version: 1\nrequirements:\n  SEC-01:\n    {base}    remediation: {{never: no}}\n")
    with pytest.raises(ConfigError, match=r"r.yml:9: requirements.SEC-01.remediation"):
        catalogue.load(path)
    path = write("r.yml", f"version: 1\nrequirements:\n  SEC-01:\n    {base}    remediation: [a, b]\n")
    assert catalogue.load(path)["SEC-01"].remediations == ("a", "b")
