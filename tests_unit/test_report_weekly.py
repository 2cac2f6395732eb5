"""The weekly report (MAINT-07): from the history and Prometheus, with its chart, its Telegram message within the
limit, a report that says when Prometheus is down, and the check that it was produced and delivered in 8 days."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from checkload import check_function
from test_report_records import check, record, store
from typer.testing import CliRunner

from orion.cli import app
from orion.inventory import Host, Inventory, Service
from orion.report import entities, weekly, weekly_facts

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
T0 = NOW.timestamp()


def _week(state):
    """SEC-01 failed on the 2nd and was fixed 10 minutes later; MON-01 fails since."""
    for n, (sec, mon) in enumerate([("failed", "passed"), ("passed", "passed"), ("passed", "failed")]):
        store(state, record([check("SEC-01", sec), check("MON-01", mon)], n))


class _Prometheus(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        q = parse_qs(url.query).get("query", [""])[0]
        if url.path == "/api/v1/query_range":
            result = [{"metric": {}, "values": [[T0 - 7 * 86400, "1000000000000"], [T0, "1100000000000"]]}]
        elif "avail" in q:  # used: size - avail
            result = [{"metric": {}, "value": [T0, "200000000000"]}]
        elif "node_filesystem_size_bytes" in q:
            result = [{"metric": {}, "value": [T0, "4000000000000"]}]
        elif "Swap" in q:
            result = [{"metric": {"node": "cortex"}, "value": [T0, "0.62"]}]
        elif q == "count(container_start_time_seconds)":
            result = [{"metric": {}, "value": [T0, "12"]}]
        elif "changes(" in q:
            result = [{"metric": {"container_label_com_docker_compose_service": "jellyfin"}, "value": [T0, "4"]}]
        elif "orion_backup" in q:
            result = [{"metric": {"kind": "daily"}, "value": [T0, str(3 * 86400)]}]
        else:
            result = []
        body = json.dumps({"status": "success", "data": {"result": result}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def prometheus():
    server = HTTPServer(("127.0.0.1", 0), _Prometheus)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _inventory(url: str) -> Inventory:
    synapse = Host("orion-synapse", "synapse", "127.0.0.1", services={"prometheus": Service("prometheus", url, 2)})
    return Inventory("inventory.yml", {"orion-synapse": synapse, "orion-cortex": Host("orion-cortex", "cortex", "x")})


def test_prometheus_facts_become_measurements_and_recommendations(state, prometheus):
    _week(state)
    week = weekly.build_weekly(state, _inventory(prometheus), lang="en", now=NOW)
    assert week.facts.error is None and week.facts.hdd_growth == 100e9
    page, text, message = weekly.render_all(week, {"report": "/r.html"})
    assert "HDD: 200.0 GB used of 4.0 TB (5 %), +100.0 GB in 7 days" in text
    assert "Swap: 62 % at most this week on cortex" in text and "jellyfin ×4" in text
    assert "Swap reached 62 % on cortex" in text and "jellyfin restarted 4 times" in text
    assert "The daily backup is 3 d old" in text
    assert "MON-01 since 2026-12-02 10:10 UTC" in text  # the state: what fails now, since when
    assert "SEC-01 2026-12-02 10:00 UTC · fixed in 5 min" in text  # the incidents, with their time to fix
    assert week.chart_png and week.chart_png.startswith(b"\x89PNG")
    assert 'src="data:image/png;base64,' in page and "<script" not in page
    entities.parse(message, entities.ORION_TAGS)
    assert entities.telegram_length(message) <= entities.LIMIT


def test_a_prometheus_that_is_down_is_said_not_hidden(state, unused_port):
    week = weekly.build_weekly(state, _inventory(f"http://127.0.0.1:{unused_port}"), now=NOW)
    assert week.facts.error and "connection refused" in week.facts.error
    _, text, _ = weekly.render_all(week, {})
    assert "Prometheus n'a pas répondu" in text


def test_no_prometheus_in_the_inventory_is_said_too(state):
    facts = weekly_facts.gather(Inventory("inventory.yml", {}), T0)
    assert facts.error == "the inventory has no prometheus service"


def test_a_huge_week_still_fits_one_message(state):
    facts = weekly_facts.Facts(error="x" * 50)
    week = weekly.build_weekly(state, None, now=NOW, facts=facts)
    week.todo = [f"todo {n} " + "y" * 300 for n in range(60)]
    week.recommendations = [f"reco {n} " + "z" * 300 for n in range(60)]
    _, _, message = weekly.render_all(week, {})
    assert entities.telegram_length(message) <= entities.LIMIT


def test_orion_report_weekly_writes_the_files_and_the_marker(state):
    _week(state)
    result = CliRunner().invoke(app, ["report", "--weekly", "--state-dir", str(state), "--inventory", "/nonexistent"])
    assert result.exit_code == 0, result.output
    marker = json.loads((state / "reports" / weekly.LATEST).read_text())
    for key in ("report", "text", "message", "chart"):
        assert (state / "reports").joinpath(marker[key]).exists(), key
    assert "Prometheus n'a pas répondu (no inventory)" in result.output


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- MAINT-07's check ----------------------------------------------------------------------------------------

PRODUCED = check_function("maintenance/test_weekly_report.py", "test_a_weekly_report_was_produced_within_8_days")
DELIVERED = check_function("maintenance/test_weekly_report.py", "test_the_weekly_report_was_delivered_within_8_days")


def _marker(state, name, days_ago, body=None):
    folder = state / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    (folder / name).write_text(body if body is not None else json.dumps({"at": at, "report": "r.html"}))


@pytest.mark.parametrize("check_fn,name", [(PRODUCED, weekly.LATEST), (DELIVERED, weekly.DELIVERED)])
def test_maint_07_is_red_when_missing_aged_or_unreadable_and_green_within_8_days(tmp_path, check_fn, name):
    with pytest.raises(AssertionError, match="in the last 8 days"):
        check_fn(tmp_path)  # never produced (or delivered)
    _marker(tmp_path, name, 9)
    with pytest.raises(AssertionError, match=r"observed '9\.0 days old"):
        check_fn(tmp_path)
    _marker(tmp_path, name, 0, body="{not json")
    with pytest.raises(AssertionError, match="unreadable"):
        check_fn(tmp_path)
    _marker(tmp_path, name, 7.5)
    check_fn(tmp_path)
