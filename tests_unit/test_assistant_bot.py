"""`orion bot` against the Telegram stand-in (lab/standins/telegram.py as a local process): /status answers the
allowlisted chat; a stranger gets nothing (and is logged); a question is routed; a long answer is split."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from telegram_standin import Standin
from test_assistant_fakes import dead_url, inventory

from orion.assistant.answer import split

OWNER = 100000001
STRANGER = 424242


def update(text: str, user: int = OWNER, chat: int | None = None) -> dict:
    chat_id = user if chat is None else chat
    return {"message": {"message_id": 1, "date": int(time.time()), "text": text,
                        "from": {"id": user, "is_bot": False, "first_name": "u"},
                        "chat": {"id": chat_id, "type": "private"},
                        **({"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}
                           if text.startswith("/") else {})}}  # fmt: skip


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[tuple[Standin, subprocess.Popen[str], Path]]:
    standin = Standin(tmp_path / "tg").start()
    state = tmp_path / "state"
    (state / "runs").mkdir(parents=True)
    record = {"run_id": "20261202T080000Z-abc123", "started": "2026-12-02T08:00:00Z",
              "finished": "2026-12-02T08:00:05Z", "summary": {"passed": 3, "failed": 1, "error": 0, "skipped": 0},
              "checks": [{"nodeid": "checks/media/test_x.py::test_jellyfin_answers", "req": ["MEDIA-01"],
                          "host": "orion-cortex", "outcome": "failed", "message": "jellyfin is down"}]}  # fmt: skip
    (state / "runs" / "latest.json").write_text(json.dumps(record))
    inv = inventory(tmp_path, telegram=standin.url, prometheus=dead_url())
    process = subprocess.Popen([sys.executable, "-m", "orion.cli", "bot", f"--inventory={inv}",
                                f"--state-dir={state}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    yield standin, process, state
    process.terminate()
    process.wait(timeout=10)
    standin.stop()


def push(standin: Standin, body: dict) -> None:
    httpx.post(f"{standin.url}/_standin/updates", json=body, timeout=5).raise_for_status()


def wait_texts(standin: Standin, count: int, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = standin.texts()
        if len(texts) >= count:
            return texts
        time.sleep(0.2)
    return standin.texts()


def test_status_answers_the_owner_and_a_stranger_gets_nothing(bot) -> None:
    standin, process, _ = bot
    push(standin, update("/status", user=STRANGER))
    push(standin, update("/status"))
    texts = wait_texts(standin, 1)
    assert len(texts) == 1
    assert texts[0].startswith("Dernier run 20261202T080000Z-abc123")
    assert "• MEDIA-01 : jellyfin is down" in texts[0]
    sent = standin.messages()[0]["params"]
    assert str(sent["chat_id"]) == str(OWNER)
    push(standin, update("Pourquoi le Pi 2 swap ?"))
    texts = wait_texts(standin, 2)
    assert "prometheus : connection refused" in texts[1]
    time.sleep(1)
    assert len(standin.texts()) == 2  # still nothing for the stranger
    process.terminate()
    out, _ = process.communicate(timeout=10)
    assert "ignored update" in out and f"from user {STRANGER}" in out
    assert "AAHx9Qm2" not in out  # the token never reaches the log


def test_a_long_answer_is_split_between_lines_within_telegram_limits() -> None:
    text = "\n".join(f"ligne {i} " + "x" * 90 for i in range(120))
    parts = split(text)
    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert parts[0].endswith("\n…") and "ligne 0 " in parts[0]
    assert "".join(p.removesuffix("\n…") + "\n" for p in parts).rstrip("\n") == text
    assert all(len(p) <= 4096 for p in split("é" * 10000))
