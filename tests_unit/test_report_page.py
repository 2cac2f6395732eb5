"""Orion's HTML report of a run: one self-contained page next to the run record, with every requirement, its
evidence and a sparkline of its history; written by every check run."""

from __future__ import annotations

import re

from test_report_records import check, record, series

from orion.report import page


def test_the_page_is_self_contained_with_status_evidence_and_a_sparkline(state):
    series(state, "SEC-01", "PPFPF")
    body = record([check("SEC-01", "failed"), check("SEC-02")], 4)
    text = page.build(state, body, lang="en")
    assert "<script" not in text and not re.search(r"(src|href)=\"(https?:)?//", text)
    assert "<svg" in text and text.count('fill="#d0312d"') >= 2  # SEC-01's red bars
    assert "SEC-01" in text and "observed : " not in text and "observed: <code>bad</code>" in text
    assert "Still failing" in text  # failed, passed once (1 of the 2 passes to recover), failed again


def test_the_page_is_written_next_to_the_record_and_as_latest(state):
    (written,) = series(state, "SEC-01", "F")
    path = page.write(state, written)
    assert path == state / "runs" / f"{written['run_id']}.html"
    assert (state / "runs" / "latest.html").read_text() == path.read_text()


CHECK = """
import pytest
from orion.expect import expect

@pytest.mark.req("SEC-01")
@pytest.mark.critical
@pytest.mark.static
def test_check():
    expect("yes", "no", "sshd accepts password logins")
"""


def test_every_check_run_writes_its_page(pytester, state):
    pytester.makepyfile(test_x=CHECK)
    result = pytester.runpytest(f"--state-dir={state}", "-p", "no:cacheprovider")
    assert result.ret == 1
    pages = list((state / "runs").glob("2*.html"))
    assert len(pages) == 1 and "sshd accepts password logins" in pages[0].read_text()


def test_allure_results_carry_requirement_domain_host_and_evidence(pytester, state, tmp_path):
    import json

    pytester.makepyfile(test_x=CHECK)
    out = tmp_path / "allure"
    pytester.runpytest(f"--state-dir={state}", "-p", "no:cacheprovider", f"--alluredir={out}")
    (result,) = [json.loads(p.read_text()) for p in out.glob("*-result.json")]
    labels = {(label["name"], label["value"]) for label in result["labels"]}
    assert {("requirement", "SEC-01"), ("domain", "security"), ("severity", "critical")} <= labels
    (attachment,) = result["attachments"]
    evidence = json.loads((out / attachment["source"]).read_text())
    assert evidence["observed"] == "yes" and evidence["expected"] == "no" and evidence["outcome"] == "failed"


def test_the_page_is_written_again_after_remediation_rewrote_the_record(state):
    from orion.report.command import refresh_page

    (written,) = series(state, "SEC-01", "F")
    said: list[str] = []
    refresh_page(state, said.append)
    assert not said and "SEC-01" in (state / "runs" / f"{written['run_id']}.html").read_text()
