"""The lab's Loki stand-in stores what a shipper pushes (Loki's JSON push API) and answers query_range from that
store; entries past the retention period are dropped when it starts."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from email.message import Message
from pathlib import Path

import pytest

from orion import PROJECT_ROOT

STANDINS = PROJECT_ROOT / "lab" / "standins"
sys.path.append(str(STANDINS))  # for its `from standin import …`; appended, so it shadows nothing

from standin import Request  # noqa: E402

_spec = importlib.util.spec_from_file_location("standin_loki", STANDINS / "loki.py")
assert _spec and _spec.loader
loki = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loki)


def call(app, method: str, path: str, query: dict[str, str] | None = None, body: object = None):
    q = {k: [v] for k, v in (query or {}).items()}
    data = b"" if body is None else json.dumps(body).encode()
    return app.dispatch(Request(method, path, q, Message(), data, "127.0.0.1"))


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STANDIN_DATA", str(tmp_path))
    return loki.build("loki")


def push(app, labels: dict[str, str], *lines: tuple[int, str]) -> int:
    values = [[str(ts), line] for ts, line in lines]
    return call(app, "POST", "/loki/api/v1/push", body={"streams": [{"stream": labels, "values": values}]}).status


def test_pushed_lines_are_answered_by_query_range_within_the_window(app):
    now = time.time_ns()
    assert push(app, {"node": "cortex", "job": "docker"}, (now - 10**9, "fresh"), (now - 600 * 10**9, "old")) == 204
    assert push(app, {"node": "synapse", "job": "docker"}, (now, "other node")) == 204
    answer = call(app, "GET", "/loki/api/v1/query_range", {"query": '{node="cortex"}', "start": str(now - 60 * 10**9),
                                                            "end": str(now)})  # fmt: skip
    result = json.loads(answer.body)["data"]["result"]
    assert result == [{"stream": {"node": "cortex", "job": "docker"}, "values": [[str(now - 10**9), "fresh"]]}]


def test_the_store_survives_a_restart_less_what_is_past_retention(app, tmp_path):
    now = time.time_ns()
    push(app, {"job": "host"}, (now, "kept"), (now - 7 * 3600 * 10**9, "expired"))
    again = loki.build("loki")
    answer = call(again, "GET", "/loki/api/v1/query_range", {"query": '{job="host"}', "start": "0", "end": str(now)})
    assert [v[1] for s in json.loads(answer.body)["data"]["result"] for v in s["values"]] == ["kept"]
    assert len((tmp_path / "entries.jsonl").read_text().splitlines()) == 1
