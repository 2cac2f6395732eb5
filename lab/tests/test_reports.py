"""Issue 11's promises on the lab, end to end through `orion check --notify`: a run with faults puts a French
digest within Telegram's limits on the Telegram stand-in, naming each failure; with the LLM stopped the digest
still goes out and its reply says the narrative is not available; with Telegram down for several runs nothing is
lost (the outbox delivers every message once, in order, once it is back); and no secret of the lab appears in
anything sent or stored.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
from labkit import SETTLE_S, checks, orion, red, unwell

from orion.lab.paths import lab_state
from orion.report.digest import telegram_length

TELEGRAM = "http://127.0.0.1:18081"  # the lab's telegram-standin (lab/inventory.yml)
FAULTS = {"SEC-01.password-auth": "SEC-01", "MAINT-06.unexpected-port": "MAINT-06"}
#: The runs look at the faults' requirements only: quicker, and the digests are about them alone.
ONLY = [arg for req in FAULTS.values() for arg in ("--req", req)]


def sent(state: Path) -> list[dict]:
    """What Orion's notifications of this state dir delivered, in order: the digests (they name their run) and
    their replies. The stand-in also records Alertmanager's alerts and the bot's answers."""
    runs = [p.stem for p in (state / "runs").glob("2*.json")]
    ours: list[dict] = []
    for m in httpx.get(f"{TELEGRAM}/_standin/messages", timeout=10).json()["messages"]:
        if not m.get("message"):
            continue
        reply = json.loads(m["params"].get("reply_parameters") or "{}").get("message_id")
        if any(run in m["params"].get("text", "") for run in runs) or reply in {
            o["message"]["message_id"] for o in ours
        }:
            ours.append(m)
    return ours


def docker(*args: str) -> None:
    subprocess.run(["docker", *args], check=True, capture_output=True, timeout=120)


def notify_until(state: Path, done) -> dict:
    deadline = time.monotonic() + SETTLE_S
    while True:
        record = checks(state, "--notify", *ONLY)
        if done(record) or time.monotonic() > deadline:
            return record
        time.sleep(3)


def test_digest_narrative_outbox_and_secrets(lab, tmp_path):
    state = tmp_path / "state"
    checks(state, "--notify", *ONLY)  # the first run: at most the day's summary
    before = len(sent(state))
    docker("stop", "ollama-adapter")
    try:
        for fault in FAULTS:
            assert orion("lab", "fault", fault).returncode == 0
        notify_until(state, lambda r: set(FAULTS.values()) <= red(r))
        new = sent(state)[before:]
        assert len(new) == 2, [m["message"]["text"][:200] for m in new]
        digest, story = new
        text = digest["message"]["text"]
        assert "échec" in text and all(req in text for req in FAULTS.values()), text
        assert digest["params"]["parse_mode"] == "HTML" and telegram_length(digest["params"]["text"]) <= 4096
        assert "indisponible" in story["message"]["text"], story["message"]["text"]
        assert json.loads(story["params"]["reply_parameters"])["message_id"] == digest["message"]["message_id"]

        docker("stop", "telegram-standin")  # Telegram down while the faults heal: two runs' messages wait
        try:
            for fault in FAULTS:
                assert orion("lab", "heal", fault).returncode == 0
            notify_until(state, lambda r: not any(unwell(r, req) for req in FAULTS.values()))
            checks(state, "--notify", *ONLY)  # the second green run in a row: the recovery is news
            waiting = sorted((state / "outbox").rglob("*.json"))
            assert waiting, "nothing waits in the outbox while Telegram is down"
        finally:
            docker("start", "telegram-standin")
        for _ in range(30):
            try:
                httpx.get(f"{TELEGRAM}/_standin/messages", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(1)
        drained = orion("notify", "--drain", "--state-dir", str(state))
        assert drained.returncode == 0, drained.stdout + drained.stderr
        again = orion("notify", "--drain", "--state-dir", str(state))
        assert again.returncode == 0, again.stdout + again.stderr
        after = sent(state)[before + 2 :]
        keys = [(m["message"]["text"], m["params"].get("reply_parameters")) for m in after]
        assert len(keys) == len(set(keys)) >= 2, keys  # each once
        assert "Rétablis" in after[0]["message"]["text"], after[0]["message"]["text"]  # in order: the digest first
        assert "reply_parameters" in after[1]["params"], "then its narrative, as its reply"
    finally:
        for fault in FAULTS:
            orion("lab", "heal", fault)
        docker("start", "ollama-adapter")

    secrets = [p.read_text().strip() for p in (lab_state() / "secrets").iterdir() if p.is_file()]
    secrets = [s for s in secrets if len(s) >= 8]
    assert secrets, "the lab has secrets to plant"
    stored = json.dumps(httpx.get(f"{TELEGRAM}/_standin/messages", timeout=10).json()) + "".join(
        p.read_bytes().decode("utf-8", "replace") for p in state.rglob("*") if p.is_file()
    )
    leaked = [s[:4] + "…" for s in secrets if s in stored]
    assert not leaked, f"secrets found in what was sent or stored: {leaked}"
