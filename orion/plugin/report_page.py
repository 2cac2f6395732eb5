"""Orion's HTML report of each run (orion/report/page.py), written beside its run record once the record is:
`<state>/runs/<run_id>.html`, and `latest.html`. A page that cannot be written is said, never fails the run."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest

from orion.plugin.recording import recorder_of
from orion.plugin.run import run_of


@pytest.hookimpl(wrapper=True)  # after the recorder (trylast) has written the record
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    result = yield
    recorder = recorder_of(session.config)
    if recorder.path is None or recorder.run.worker:
        return result
    try:
        from orion.report import page, prefs

        run = run_of(session.config)
        chosen = prefs.of(run.inventory) if run.inventory_path else prefs.Prefs()
        body = json.loads(recorder.path.read_text(encoding="utf-8"))
        page.write(run.state, body, lang=chosen.lang, thresholds=chosen.thresholds)
    except Exception as exc:  # the run's result stands whatever happens to its page
        sys.stderr.write(f"orion: cannot write the run's HTML page: {type(exc).__name__}: {exc}\n")
    return result
