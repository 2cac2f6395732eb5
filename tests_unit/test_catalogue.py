import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from orion import catalogue
from orion.catalogue import Cadence, Domain
from orion.errors import ConfigError

SEED = Path(__file__).resolve().parents[2] / "shared" / "SEED-orion-sre.md"
ENTRY = "title: Something\n    title_fr: Quelque chose\n    domain: security\n    node: both\n    cadence: critical\n"


def test_the_catalogue_holds_exactly_the_51_ids_of_the_seed():
    ids = set(catalogue.load().requirements)
    assert len(ids) == 51
    if SEED.exists():  # shared/ sits beside the clone in CI and in the sessions
        assert ids == set(re.findall(r"\*\*([A-Z]+-\d{2})\*\*", SEED.read_text()))


def test_every_requirement_keeps_the_seed_french_and_a_closed_vocabulary():
    for req in catalogue.load():
        assert req.title and req.title_fr
        assert req.domain in Domain and req.cadence in Cadence and req.node in ("cortex", "synapse", "both")


def test_llm_06_is_future_with_its_reason():
    req = catalogue.load()["LLM-06"]
    assert req.status == "future" and "V2" in req.reason


def _catalogue(write, body: str):
    return catalogue.load(write("requirements.yml", f"version: 1\nrequirements:\n{body}"))


def test_a_duplicate_id_names_its_line(write):
    with pytest.raises(ConfigError, match=r"requirements.yml:9: duplicate key 'SEC-01'"):
        _catalogue(write, f"  SEC-01:\n    {ENTRY}  SEC-01:\n    {ENTRY}")


def test_an_unknown_field_names_its_line(write):
    with pytest.raises(ConfigError, match=r"requirements.yml:9: requirements.SEC-01.colour: unknown key"):
        _catalogue(write, f"  SEC-01:\n    {ENTRY}    colour: red\n")


def test_a_bad_value_names_its_line_and_the_choices(write):
    body = f"  SEC-01:\n    {ENTRY}".replace("cadence: critical", "cadence: hourly")
    with pytest.raises(ConfigError, match=r"requirements.yml:8: .*cadence.*'critical', 'daily' or 'weekly'.*hourly"):
        _catalogue(write, body)


def test_an_id_must_match_its_domain(write):
    with pytest.raises(ConfigError, match="domain of MON-01 must be 'monitoring'"):
        _catalogue(write, f"  MON-01:\n    {ENTRY}")


def test_a_future_requirement_needs_a_reason(write):
    with pytest.raises(ConfigError, match="needs a `reason`"):
        _catalogue(write, f"  SEC-01:\n    {ENTRY}    status: future\n")


def test_faults_are_named_after_their_requirement(write):
    with pytest.raises(ConfigError, match=r"must be named SEC-01\.<what>"):
        _catalogue(write, f"  SEC-01:\n    {ENTRY}    faults: [MON-01.oops]\n")


@given(
    st.dictionaries(
        st.sampled_from(["title", "title_fr", "domain", "node", "cadence", "status", "x"]),
        st.one_of(st.text(max_size=10), st.integers(), st.none(), st.lists(st.text(max_size=3))),
    )
)
def test_any_entry_either_validates_or_raises_config_error(tmp_path_factory, entry):
    path = tmp_path_factory.mktemp("c") / "requirements.yml"
    path.write_text(yaml.safe_dump({"version": 1, "requirements": {"SEC-01": entry}}))
    try:
        catalogue.load(path)
    except ConfigError as exc:
        assert str(path) in str(exc)
