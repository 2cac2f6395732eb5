"""Allure (`--alluredir`): each check's result carries its requirement IDs, their domains and the host it ran on
as labels, and its evidence (observed, expected, where) as a JSON attachment.

Labels: `requirement` (one per ID), `domain`, `homelab_host` (Allure's own `host` label names the machine that
ran pytest), plus Allure's `epic` (the domain), `feature` (ID and title) and `severity`
(critical for the 5-minute checks). Nothing happens without --alluredir.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from orion.markers import Marks, is_check
from orion.plugin.result import PhaseResult
from orion.plugin.run import run_of


def _active(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "allure_report_dir", None))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _active(item.config) or not is_check(item):
        return
    import allure

    marks = Marks.of(item)
    catalogue = run_of(item.config).catalogue
    known = [catalogue[r] for r in marks.req if r in catalogue]
    allure.dynamic.label("requirement", *marks.req)
    for req in known:
        allure.dynamic.label("domain", req.domain.value)
        allure.dynamic.epic(req.domain.value)
        allure.dynamic.feature(f"{req.id} {req.title}")
    host = _host(item)
    if host:
        allure.dynamic.label("homelab_host", host)
    if marks.cadence == "critical":
        allure.dynamic.severity(allure.severity_level.CRITICAL)


def _host(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    param = callspec.params.get("node", callspec.params.get("stack"))
    return getattr(param, "name", param)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: Orion's own reading of the report is attached by then
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    if _active(item.config) and is_check(item):
        result = PhaseResult.of(report)
        if result is not None and result.evidence and (report.when == "call" or result.outcome.value != "passed"):
            import allure

            body = {"outcome": result.outcome.value, "message": result.message, **result.evidence}
            allure.attach(json.dumps(body, indent=2, ensure_ascii=False), name=f"evidence ({report.when})",
                          attachment_type=allure.attachment_type.JSON)  # fmt: skip
    return report
