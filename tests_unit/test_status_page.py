"""Orion's status page (`orion serve`): the latest run, the matrix and the history on one self-contained page,
served only to the allowed addresses, never with a secret or a traceback."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_report_records import check, record, series, store

from orion import catalogue, redact
from orion.report import serve, status_page
from orion.report.prefs import Thresholds


def test_the_page_shows_the_latest_run_the_matrix_and_the_history(state):
    series(state, "SEC-01", "PPFF")
    text = status_page.build(state, lang="en")
    assert "<script" not in text and "Latest run" in text and "Requirement matrix" in text
    assert "SEC-01" in text and "Still failing" in text  # the run: SEC-01 has failed twice in a row
    assert all(req.id in text for req in catalogue.load())  # the matrix: every requirement
    assert "4 runs, 2 failing" in text  # the history of SEC-01 over 7 days


def test_without_a_run_the_page_says_so_and_still_shows_the_matrix(state):
    text = html.unescape(status_page.build(state))
    assert "Aucune exécution" in text and "Matrice des exigences" in text and "Pas encore d'historique" in text


@settings(max_examples=10, deadline=None)  # each page collects the matrix (0.6 s); the digest test tries more shapes
@given(secret=st.from_regex(r"S3cr3t[A-Za-z0-9]{8,20}", fullmatch=True))
def test_a_planted_secret_never_shows_on_the_page(tmp_path_factory, secret):
    state = tmp_path_factory.mktemp("state")
    redact.register(secret)
    store(state, record([check("SEC-01", "failed", message=f"login failed for {secret}")]))
    assert secret not in status_page.build(state)


@pytest.mark.parametrize(
    ("listen", "why"),
    [("8089", "HOST:PORT"), ("0.0.0.0:99999", "HOST:PORT"), ("synapse:8089", "IP address")],
)
def test_a_bad_listen_address_is_refused_in_one_line(listen, why):
    with pytest.raises(serve.Refused, match=why):
        serve.parse_listen(listen)


def test_only_the_allowed_addresses_may_read():
    caddy = serve.parse_allow(["192.168.1.10"])
    assert serve.allowed("192.168.1.10", caddy) and serve.allowed("::ffff:192.168.1.10", caddy)
    assert not serve.allowed("192.168.1.11", caddy) and not serve.allowed("garbage", caddy)
    assert serve.allowed("127.0.0.1", serve.parse_allow([]))  # loopback only by default
    with pytest.raises(serve.Refused, match="--allow"):
        serve.parse_allow(["192.168.1.300"])


@pytest.fixture
def served(state, request) -> Iterator[str]:
    allow = getattr(request, "param", ["127.0.0.1"])
    server = serve.make_server(("127.0.0.1", 0), serve.parse_allow(allow), state, "fr", Thresholds())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_server_serves_the_page_the_run_and_its_health(state, served):
    series(state, "SEC-01", "F")
    page = httpx.get(f"{served}/")
    assert page.status_code == 200 and "SEC-01" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert httpx.get(f"{served}/runs/latest").status_code == 200
    assert httpx.get(f"{served}/healthz").text == "ok\n"
    assert httpx.get(f"{served}/etc/passwd").status_code == 404


def test_without_a_run_the_full_report_is_a_404_that_says_why(served):
    answer = httpx.get(f"{served}/runs/latest")
    assert answer.status_code == 404 and "orion check" in answer.text


@pytest.mark.parametrize("served", [["10.0.0.0/8"]], indirect=True)
def test_an_address_that_is_not_allowed_is_refused(served):
    assert httpx.get(f"{served}/").status_code == 403


def test_a_page_that_fails_is_a_500_without_a_traceback(state, served, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("S3cr3tInTheTraceback")

    monkeypatch.setattr(status_page, "build", broken)
    answer = httpx.get(f"{served}/")
    assert answer.status_code == 500 and "S3cr3t" not in answer.text and "Traceback" not in answer.text
