"""The terminal view at the end of a run: one line per requirement, then the path of the run record."""

from __future__ import annotations

from typing import Any

import pytest

from orion import output
from orion.plugin.recording import recorder_of


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    recorder = recorder_of(config)
    if recorder.run.worker or not recorder.results:
        return
    writer = terminalreporter._tw
    results = list(recorder.results.values())
    text = output.render(results, recorder.run.catalogue, rich=writer.hasmarkup, width=writer.fullwidth)
    terminalreporter.section("orion", sep="=")
    terminalreporter.write(text)
    if recorder.path is not None:
        terminalreporter.write_line(f"orion: run record {recorder.path}")
