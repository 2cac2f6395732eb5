"""The narrative's prompt: only redacted, structured facts (no raw logs), within 600 tokens for any run, 10
failures with their evidence included; and the checks a model's answer must pass before it is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orion.report import narrative_check, narrative_prompt
from orion.report.narrative_prompt import BUDGET, build, estimate_tokens

REQS = ["MAINT-04", "MON-01", "TORR-01", "TORR-02", "SEC-01", "SEC-02", "LLM-01", "MEDIA-01", "INFRA-01", "MON-03"]
LOG = "\n".join(f"Dec 02 18:00:{i:02d} orion-cortex dockerd[812]: level=error msg=container-died" for i in range(40))


def failing(req: str, observed: Any = "HTTP 503", remediation: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "nodeid": f"checks/x/test_{req.lower().replace('-', '_')}.py::test_it",
        "req": [req],
        "host": "orion-cortex",
        "outcome": "failed",
        "duration_s": 0.4,
        "message": f"{req} failed: {LOG}",
        "evidence": {"observed": observed, "expected": "HTTP 200", "source": "GET http://127.0.0.1:8096/health"},
        "remediation": remediation,
        "cadence": "critical",
    }


def run(checks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"run_id": "20261202T180000Z-0a0b0c", "started": "2026-12-02T18:00:00.000Z", "checks": checks}


def ten_failures() -> dict[str, Any]:
    rem = {"id": "start-container", "status": "still-failing", "attempts": 2}
    return run([failing(r, {"status": "exited", "code": 137}, rem if i % 3 == 0 else None) for i, r in enumerate(REQS)])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_ten_failures_fit_in_600_tokens_with_their_evidence(tmp_path: Path, lang: str) -> None:
    prompt = build(tmp_path, ten_failures(), lang=lang, actions=["start-container"])
    assert prompt.tokens <= BUDGET == 600
    assert sorted(prompt.told) == sorted(REQS) and prompt.left_out == 0
    user = prompt.messages[1]["content"]
    assert user.count("exited") == 10  # short evidence for every failure
    assert "start-container" in prompt.messages[0]["content"]


def test_no_raw_log_reaches_the_prompt(tmp_path: Path) -> None:
    prompt = build(tmp_path, run([failing("MAINT-04", observed=LOG)]), lang="en")
    assert "dockerd[812]" in prompt.text  # the first words of the evidence, as one short line…
    assert prompt.text.count("container-died") <= 1 and "18:00:39" not in prompt.text  # …not the log
    assert "8096" not in prompt.text  # nor the source


def test_a_huge_run_is_cut_to_the_budget_with_a_count_of_what_was_left_out(tmp_path: Path) -> None:
    reqs = [f"{d}-{n:02d}" for d in ("BACKUP", "MON", "MEDIA", "MAINT", "SEC", "INFRA") for n in range(1, 8)]
    prompt = build(tmp_path, run([failing(r, "x" * 300) for r in reqs]), lang="fr")
    assert prompt.tokens <= BUDGET and prompt.left_out > 0 and len(prompt.told) + prompt.left_out == len(reqs)
    assert f"+{prompt.left_out} autres" in prompt.text


@given(st.text(max_size=400))
def test_the_estimate_errs_high(text: str) -> None:
    """At least one token per 2.5 letters and per digit or mark: more than any tokenizer used here produces."""
    letters = sum(c.isalpha() for c in text)
    marks = sum(not c.isalnum() and not c.isspace() for c in text)
    assert estimate_tokens(text) >= letters / 2.5 + sum(c.isdigit() for c in text) + marks * 0.99


def test_the_estimate_counts_an_id_and_french_words_generously() -> None:
    assert estimate_tokens("MAINT-04") == 2 + 1 + 2  # MAINT, -, 0, 4
    assert estimate_tokens("échec") == 2 + 1  # one letter outside ASCII costs one more


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        build(tmp_path, ten_failures(), lang="de")


def test_the_system_message_names_only_the_given_actions(tmp_path: Path) -> None:
    none = build(tmp_path, ten_failures(), lang="fr").messages[0]["content"]
    assert "(aucune)" in none and "start-container" not in none


REQ_SET = {"MAINT-04", "MON-01"}
ACTIONS = {"start-container", "start-monitoring"}


@pytest.mark.parametrize(
    "text",
    [
        "MAINT-04 est en échec depuis 18 h : le conteneur jellyfin est arrêté. MON-01 aussi.",
        "MAINT-04 is failing: jellyfin stopped and the remediation start-container tried twice.",
        "Ollama installé sur cortex répond, mais le service jellyfin ne tourne plus (MAINT-04).",
        "Phi-3 Mini répond, mais MAINT-04 échoue : jellyfin est arrêté depuis 18 h.",
        "MAINT-04 : la remédiation start-container peut relancer jellyfin si vous la confirmez.",
    ],
)
def test_a_sound_narrative_passes(text: str) -> None:
    assert narrative_check.problems(text, reqs=REQ_SET, actions=ACTIONS) == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("MAINT-04 et MAINT-99 sont en échec depuis ce matin.", "did not check: MAINT-99"),
        ("maint-7 est en échec depuis ce matin, comme MON-01.", "did not check: MAINT-07"),
        ("MAINT-04 fails, and so does XYZ-12 since this morning.", "did not check: XYZ-12"),
        ("MAINT-04 est en échec. Il faut redémarrer le Pi.", "outside the catalogue"),
        ("MAINT-04 is failing. You should reboot the node tonight.", "outside the catalogue"),
        ("MAINT-04 is failing: sudo systemctl restart docker will fix it.", "proposes a command"),
        ("MAINT-04 is failing.\n$ docker restart jellyfin", "proposes a command"),
        ("MAINT-04 : lancez la remédiation purge-all, sans risque.", "outside the catalogue: purge-all"),
        ("", "too short"),
    ],
)
def test_an_unsound_narrative_is_refused(text: str, why: str) -> None:
    found = narrative_check.problems(text, reqs=REQ_SET | {"MAINT-04"}, actions=ACTIONS)
    assert any(why in problem for problem in found), found


def test_a_near_miss_of_a_run_id_is_read_as_that_id() -> None:
    found = narrative_check.cited("maint-4, MON 01, Phi-3, SEC_02 et INFRA-05.")
    assert found == ["MAINT-04", "MON-01", "SEC-02", "INFRA-05"]


def test_length_and_cut_are_refused() -> None:
    long = "MAINT-04 est en échec. " * 50
    assert any("too long" in p for p in narrative_check.problems(long, reqs=REQ_SET, actions=ACTIONS))
    cut = narrative_check.problems("MAINT-04 est en échec et", reqs=REQ_SET, actions=ACTIONS, cut=True)
    assert cut == ["cut at the generation limit"]


def test_the_run_requirements_are_every_requirement_checked() -> None:
    record = run([failing("MAINT-04"), {**failing("MON-01"), "outcome": "passed", "req": ["MON-01", "MON-02"]}])
    assert narrative_prompt.run_reqs(record) == {"MAINT-04", "MON-01", "MON-02"}
