"""The catalogue, the checks and the lab agree: every live requirement has a lab fault, or says why not."""

from pathlib import Path

import pytest

from orion import PROJECT_ROOT, catalogue, matrix

FAULTS = PROJECT_ROOT / "lab" / "faults"


@pytest.fixture(scope="module")
def rows():
    return {row.id: row for row in matrix.collect(catalogue.load())}


def lab_faults() -> set[str]:
    return {p.name for p in FAULTS.iterdir() if p.is_file() and not p.name.startswith("_")}


def test_every_live_requirement_has_a_lab_fault_or_states_its_gap(rows):
    reqs = catalogue.load()
    unproven = [
        req_id for req_id, row in rows.items()
        if {"live", "disruptive"} & set(row.kinds) and not reqs[req_id].faults and not reqs[req_id].gap
    ]  # fmt: skip
    assert not unproven, f"live checks with no lab fault and no stated `gap` in checks/requirements.yml: {unproven}"


def test_every_fault_of_the_catalogue_is_a_lab_fault_script():
    named = {fault for req in catalogue.load() for fault in req.faults}
    missing = sorted(named - lab_faults())
    assert not missing, f"checks/requirements.yml names faults that lab/faults/ lacks: {missing}"


def test_every_lab_fault_belongs_to_a_requirement_that_names_it():
    named = {fault for req in catalogue.load() for fault in req.faults}
    orphans = sorted(lab_faults() - named)
    assert not orphans, f"lab/faults/ scripts that no requirement lists under `faults:`: {orphans}"


def test_every_fault_is_executable():
    assert all(Path(FAULTS, name).stat().st_mode & 0o111 for name in lab_faults())


def test_a_fault_only_counts_for_a_requirement_that_has_a_check(rows):
    idle = [req.id for req in catalogue.load() if req.faults and not rows[req.id].checks]
    assert not idle, f"requirements with lab faults but no check to turn red: {idle}"


def test_no_engine_test_module_shares_a_name_with_a_check_module():
    """Test modules import by basename (no __init__.py): a tests_unit/test_x.py imported first would make
    `orion matrix` (which collects checks/ in-process) fail on checks/…/test_x.py with an import mismatch."""
    engine = {p.name for p in (PROJECT_ROOT / "tests_unit").glob("test_*.py")}
    checks = {p.name for p in (PROJECT_ROOT / "checks").rglob("test_*.py")}
    assert not engine & checks
