"""Orion's status page in the lab, as its owner meets it: a real headless browser opens
https://orion-status.jarvis-hub.tech/ on the lab LAN, Caddy sends it to Authelia, the browser signs in with
password and one-time code, and lands on the page `orion serve` builds from the latest run, the matrix and the
history. Without the second factor it stays on the portal, and around Caddy `orion serve` answers no one else.

The screenshot is kept as `<state>/lab/status-page.png` (the README's picture is one of these).
"""

from __future__ import annotations

import shutil

import httpx
import pytest
from browser import lab_credentials, login_and_open
from labkit import orion

from orion import catalogue, state
from orion.remediate import runs

URL = "https://orion-status.jarvis-hub.tech/"
DIRECT = "http://10.213.1.3:8089/"  # orion serve on synapse's lab LAN address, asked from the lab machine


@pytest.fixture(scope="module")
def latest_run(lab) -> str:
    """A fresh run in the lab's state dir, where `orion serve` reads: the page must show this one."""
    ran = orion("check", "--req", "SEC-06", "--req", "PROXY-01")
    assert ran.returncode in (0, 1, 3), ran.stdout[-2000:] + ran.stderr[-2000:]
    record = runs.load(state.locate(), "latest")
    assert record is not None, "orion check wrote no run record"
    return str(record["run_id"])


def test_the_status_page_opens_in_a_browser_behind_both_factors(latest_run, tmp_path):
    shot = tmp_path / "status-page.png"
    landing = login_and_open(URL, **lab_credentials(), screenshot=shot)
    assert landing.host == "orion-status.jarvis-hub.tech", f"still on {landing.url}: {landing.text[:500]}"
    assert "Orion · état du homelab" in landing.title, landing.title
    assert latest_run in landing.text, f"the page does not show the latest run {latest_run}"
    for section in ("Dernière exécution", "Matrice des exigences", "Historique (7 jours)"):
        assert section in landing.text, f"no {section!r} section on the page"
    missing = [req.id for req in catalogue.load() if req.id not in landing.text]
    assert not missing, f"the matrix lacks {missing}"
    assert shot.stat().st_size > 10_000, "the screenshot is empty"
    shutil.copy(shot, state.lab_dir() / "status-page.png")
    print(f"status page: signed in and loaded in {landing.seconds:.1f} s; screenshot {state.lab_dir()}/status-page.png")


def test_without_the_one_time_code_the_browser_stays_on_the_portal(latest_run):
    credentials = lab_credentials() | {"totp_secret": None}
    landing = login_and_open(URL, **credentials)
    assert landing.host == "auth.jarvis-hub.tech", f"reached {landing.url} with one factor"
    assert latest_run not in landing.text


def test_around_caddy_orion_serve_answers_no_one(latest_run):
    answer = httpx.get(DIRECT, timeout=5)
    assert answer.status_code == 403, f"{DIRECT} answered {answer.status_code} to the lab machine, not Caddy"
    assert latest_run not in answer.text
