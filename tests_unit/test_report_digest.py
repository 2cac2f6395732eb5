"""The deterministic digest: any run record gives one valid Telegram HTML message within its limit, in French and
English; new failures come first with their evidence; what does not fit is counted and points to the report; no
planted secret ever shows."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_report_records import any_record, check, record, series, store
from typer.testing import CliRunner

from orion import redact
from orion.cli import app
from orion.report import digest, entities, page, render
from orion.report.digest import Digest, build_digest, telegram_length


@given(body=any_record(), lang=st.sampled_from(["fr", "en"]))
def test_any_record_gives_one_valid_telegram_message_within_the_limit(tmp_path_factory, body, lang):
    made = build_digest(tmp_path_factory.mktemp("state"), body, lang=lang, report_path="/var/lib/orion/runs/x.html")
    visible = entities.parse(made.telegram_html, entities.ORION_TAGS)  # it raises where Telegram would refuse
    assert 0 < telegram_length(made.telegram_html) <= entities.LIMIT
    assert made.headline in made.text and made.headline in visible
    assert set(made.changes) <= {r for c in body["checks"] for r in c["req"]}


def test_a_long_run_keeps_new_failures_and_counts_the_rest_on_a_line_naming_the_report(state):
    long = "x" * 400
    evidence = {"observed": long, "expected": long, "source": long}
    checks = [check(f"SEC-{n:02d}", "failed", message=long, evidence=evidence) for n in range(1, 60)]
    made = build_digest(state, record(checks), report_path="/var/lib/orion/runs/r.html")
    assert telegram_length(made.telegram_html) <= digest.LIMIT
    assert "autres : rapport complet /var/lib/orion/runs/r.html" in made.telegram_html
    assert "🔴 59 exigences en échec, dont 59 critiques" in made.headline  # the headline counts every one
    shown = made.telegram_html.count("<b>SEC-")
    assert 0 < shown < 59 and f"+{59 - shown} autres" in made.telegram_html


def test_new_failures_come_first_with_evidence_and_remediation(state):
    rem = {"id": "restart-sshd", "status": "still-failing", "attempts": 2, "reason": "exit 1; still failed"}
    body = record([check("MON-01", "error"), check("SEC-01", "failed", remediation=rem),
                   check("SEC-03", "skipped", message="SEC-03 is waived on orion-cortex: no tailnet")])  # fmt: skip
    made = build_digest(state, body)
    text = made.telegram_html
    assert text.index("Nouveaux échecs") < text.index("Non observés") < text.index("Ignorés")
    assert "observé : <code>bad</code> · attendu : <code>good</code>" in text
    assert "où : <code>ssh orion-cortex: true</code>" in text
    assert "restart-sshd toujours en échec après la remédiation (2 tentatives)" in text
    assert made.changes == ("SEC-01",)


def test_recoveries_still_failing_since_when_and_english(state):
    series(state, "SEC-01", "FFPP")
    recovered = build_digest(state, _latest(state), lang="en")
    assert "Recovered" in recovered.telegram_html and recovered.changes == ("SEC-01",)
    assert recovered.headline.startswith("✅ All green")
    series(state, "SEC-01", "FFPPFF")
    still = build_digest(state, _latest(state), lang="fr")
    assert "Toujours en échec" in still.text and "depuis le 2026-12-02 10:20 UTC (5 min)" in still.text
    assert still.changes == ()  # the same failure is no news


def test_the_headline_says_when_nothing_fails_but_something_could_not_be_observed(state):
    made = build_digest(state, record([check("SEC-01"), check("MON-01", "error")]), lang="en")
    assert made.headline == "🟠 Nothing fails, but 1 requirement could not be observed"


def test_the_same_record_and_history_give_the_same_digest(state):
    series(state, "SEC-01", "FPF")
    assert build_digest(state, _latest(state)) == build_digest(state, _latest(state))


@given(secret=st.from_regex(r"S3cr3t[A-Za-z0-9]{8,20}", fullmatch=True), where=st.integers(0, 5))
def test_a_planted_secret_never_shows_in_the_digest_or_the_page(tmp_path_factory, secret, where):
    state = tmp_path_factory.mktemp("state")
    redact.register(secret)
    fields = [
        {"message": f"login failed for {secret}"},
        {"evidence": {"observed": [f"token={secret}"], "expected": "none", "source": f"GET /api?key={secret}"}},
        {"remediation": {"id": "x", "status": "still-failing", "attempts": 1, "reason": f"ran with {secret}"}},
        {"host": secret},
        {"evidence": {"observed": {"password": secret}}},
        {"message": f"https://admin:{secret}@grafana.lan/"},
    ]
    body = record([check("SEC-01", "failed", **fields[where]), check("SEC-02", "skipped", message=secret)])
    for made in (build_digest(state, body), build_digest(state, store(state, body), lang="en")):
        assert secret not in made.telegram_html and secret not in made.text
    assert secret not in page.build(state, body)


def test_credential_shapes_are_masked_even_when_orion_never_loaded_them(state):
    token = "123456789:" + "A" * 35
    made = build_digest(state, record([check("SEC-01", "failed", message=f"bot {token} refused")]))
    assert token not in made.telegram_html and "***" in made.telegram_html


def test_both_languages_hold_the_same_messages():
    table = render.messages()
    assert set(table["fr"]) == set(table["en"])
    for key, entry in table["fr"].items():
        assert isinstance(entry, dict) == isinstance(table["en"][key], dict), key


def test_the_digest_is_built_in_well_under_100_ms(state):
    checks = [check(f"SEC-{n:02d}", "failed" if n <= 10 else "passed") for n in range(1, 51)]
    body = record(checks)
    build_digest(state, body)  # templates compiled once
    start = time.perf_counter()
    build_digest(state, body)
    assert time.perf_counter() - start < 1.0  # the goal is 100 ms (bench/digest.py); a busy CI gets slack


def test_orion_report_prints_the_digest_and_writes_the_page(state):
    series(state, "SEC-01", "PF")
    result = CliRunner().invoke(app, ["report", "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    assert "🔴 1 exigence en échec, dont 1 critique" in result.output
    assert (state / "runs" / "latest.html").exists()
    html_out = CliRunner().invoke(app, ["report", "--state-dir", str(state), "--format", "html", "--lang", "en"])
    assert "<b>New failures</b>" in html_out.output
    md = CliRunner().invoke(app, ["report", "--state-dir", str(state), "--format", "md"])
    assert "\n# Orion · " in md.output and "## Nouveaux échecs" in md.output


@pytest.mark.parametrize("args", [["--run", "nope"], ["--run", "../x"], ["--format", "pdf"], ["--lang", "de"]])
def test_orion_report_refuses_bad_input_in_one_line(state, args):
    series(state, "SEC-01", "P")
    result = CliRunner().invoke(app, ["report", "--state-dir", str(state), *args])
    assert result.exit_code == 2 and result.output.startswith("orion: ") and "Traceback" not in result.output


def test_the_public_api_is_what_other_modules_import():
    assert Digest.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert {"telegram_html", "text", "headline", "changes"} == set(Digest.__dataclass_fields__)


def _latest(state):
    import json

    return json.loads((state / "runs" / "latest.json").read_text())


def test_an_escalation_of_this_run_is_news_and_has_its_section(state):
    from orion import history

    (body,) = series(state, "SEC-01", "F")
    db = history.connect(state)
    db.execute("INSERT INTO remediations (action_id, run_id, entry, req, host, at, status, reason) VALUES "
               "('a1', ?, 'restart-sshd', 'SEC-01', 'orion-cortex', 1796212800, 'escalated', "
               "'gave up after 3 attempts in 1 h: a person is needed')", (body["run_id"],))  # fmt: skip
    db.commit()
    db.close()
    made = build_digest(state, body, lang="en")
    assert "<b>Escalations: a person must act</b>" in made.telegram_html
    assert "gave up after 3 attempts in 1 h: a person is needed" in made.telegram_html
    assert made.changes == ("SEC-01",)


def test_a_remediation_waiting_for_approval_says_how_to_approve(state):
    rem = {"id": "reapply-firewall", "status": "pending", "attempts": 0,
           "reason": "orion-cortex: confirm: waiting for a person: orion remediate --approve p-1a2b3c4d"}  # fmt: skip
    made = build_digest(state, record([check("SEC-02", "failed", remediation=rem)]))
    assert "reapply-firewall en attente d&#39;approbation" in made.telegram_html
    assert "orion remediate --approve p-1a2b3c4d" in made.telegram_html


def test_a_failure_fixed_by_remediation_in_the_run_is_shown_as_such(state):
    rem = {"id": "start-container", "status": "remediated", "attempts": 1, "reason": "exit 0; green again"}
    made = build_digest(state, record([check("MAINT-04", "failed", remediation=rem)]))
    assert "Réparé automatiquement" in made.text and "start-container réparé (1 tentative)" in made.text
    assert made.headline.startswith("✅")
