"""The bot's commands as text: /why gathers evidence, history, the first failure of the streak and remediation
attempts; /check and /approve accept only a domain, a requirement ID or a pending action's ID, never free text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orion import history, inventory, record
from orion.assistant import commands
from orion.assistant.tools import Context
from orion.outcomes import Outcome
from orion.remediate import audit


def write_run(state: Path, run_id: str, started: str, outcome: Outcome) -> None:
    check = record.CheckResult(nodeid="checks/media/test_a.py::test_jellyfin_answers", req=["MEDIA-01"],
                               host="orion-cortex", outcome=outcome, duration_s=0.1,
                               message="jellyfin is down" if outcome == Outcome.FAILED else "",
                               evidence={"observed": "HTTP 503", "expected": "HTTP 200",
                                         "source": "GET http://jellyfin/health"})  # fmt: skip
    rec = record.RunRecord(run_id=run_id, started=started, inventory=None, selection=[], finished=started,
                           checks=[check])  # fmt: skip
    record.write(state, rec)
    history.store(state, rec)


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    inv_file = tmp_path / "inventory.yml"
    inv_file.write_text(
        "all:\n  hosts:\n    orion-synapse:\n      ansible_host: 127.0.0.1\n      orion_node: synapse\n"
    )
    state = tmp_path / "state"
    state.mkdir()
    return Context(inventory.load(inv_file), state)


def test_why_shows_evidence_history_first_failure_and_remediations(ctx: Context) -> None:
    write_run(ctx.state, "20261201T080000Z-aaaaaa", "2026-12-01T08:00:00.000Z", Outcome.PASSED)
    write_run(ctx.state, "20261201T090000Z-bbbbbb", "2026-12-01T09:00:00.000Z", Outcome.FAILED)
    write_run(ctx.state, "20261201T100000Z-cccccc", "2026-12-01T10:00:00.000Z", Outcome.FAILED)
    audit.write(ctx.state, {"action": "a1", "entry": "restart-jellyfin", "req": "MEDIA-01", "host": "orion-cortex",
                            "status": "still-failing", "reason": "exit 1"})  # fmt: skip
    text = commands.why(ctx, "media-01", "fr")
    assert "MEDIA-01 dans le run 20261201T100000Z-cccccc" in text
    assert "observé: HTTP 503" in text and "attendu: HTTP 200" in text
    assert "Historique (3 derniers runs) : ✅ ❌ ❌" in text
    assert "Premier échec de la série : 20261201T090000Z-bbbbbb" in text
    assert "restart-jellyfin sur orion-cortex: still-failing – exit 1" in text


@pytest.mark.parametrize(("arg", "expected"), [(None, ["-m", "critical"]), ("LLM-03", ["--req", "LLM-03"]),
                                               ("sec-01", ["--req", "SEC-01"])])  # fmt: skip
def test_check_selections_are_domains_or_requirement_ids(arg, expected) -> None:
    assert commands.selection(arg) == expected


def test_a_domain_selects_its_active_requirements_and_anything_else_is_refused() -> None:
    chosen = commands.selection("media")
    assert isinstance(chosen, list) and chosen[:2] == ["--req", "MEDIA-01"]
    assert isinstance(commands.selection("; rm -rf /"), str)
    assert commands.selection("XYZ-99") == "XYZ-99: no such requirement"


def test_approve_refuses_an_id_that_is_not_pending(ctx: Context) -> None:
    text = commands.approve(ctx, "p-deadbeef; reboot", "en")
    assert text.startswith("No pending action 'p-deadbeef; reboot'")
    assert not (ctx.state / "remediation.jsonl").exists()


def test_status_without_a_run_says_so(ctx: Context) -> None:
    assert commands.status(ctx, "en").startswith("No run: no run record in")
    assert json.dumps(commands.help_text("fr")).count("/why") == 1
