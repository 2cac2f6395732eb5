"""LLM-03, live: Orion's Telegram bot (`orion bot`) answers the owner's /status with the latest run, and says
nothing to a stranger. Through the lab's Telegram stand-in, where Orion can write as the owner
(`POST /_standin/updates`) and read what the bot sent (`GET /_standin/messages`); against the real Telegram
Orion cannot send as the owner, so the check is skipped there with that reason."""

import time
from typing import Any

import pytest

from orion.expect import expect_none, expect_that
from orion.outcomes import CannotObserve

pytestmark = [pytest.mark.req("LLM-03"), pytest.mark.critical, pytest.mark.live]

STRANGER = 424242
ANSWER_WITHIN_S = 30
STATUS_PREFIXES = ("Dernier run", "Latest run", "Aucun run", "No run")


def telegram_settings(inventory) -> dict[str, Any]:
    raw = next((h.hostvars["orion_telegram"] for h in inventory.hosts.values() if "orion_telegram" in h.hostvars), None)
    if not raw:
        raise CannotObserve("the inventory sets no orion_telegram: the bot has no chat to answer")
    return dict(raw)


def command(text: str, user: int) -> dict[str, Any]:
    return {"message": {"message_id": int(time.time()), "date": int(time.time()), "text": text,
                        "from": {"id": user, "is_bot": False, "first_name": "orion-check"},
                        "chat": {"id": user, "type": "private"},
                        "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}}  # fmt: skip


def sent_to(tg, chat: int) -> list[str]:
    messages = tg.json("/_standin/messages").get("messages") or []
    return [str((m.get("message") or {}).get("text") or "") for m in messages
            if str((m.get("params") or {}).get("chat_id")) == str(chat)]  # fmt: skip


def test_the_bot_answers_the_owners_status_and_not_a_stranger(inventory, service):
    settings = telegram_settings(inventory)
    tg = service(str(settings.get("service") or "telegram"))
    if tg.get("/_standin/messages").status_code == 404:
        pytest.skip("Telegram is the real one: Orion cannot send a message as the owner to ask the bot")
    owner = int(settings["chats"][0])
    before, before_stranger = len(sent_to(tg, owner)), len(sent_to(tg, STRANGER))
    tg.request("POST", "/_standin/updates", json=command("/status", STRANGER))
    tg.request("POST", "/_standin/updates", json=command("/status", owner))
    deadline = time.monotonic() + ANSWER_WITHIN_S
    answers: list[str] = []
    while time.monotonic() < deadline and not answers:
        answers = sent_to(tg, owner)[before:]
        time.sleep(0.5)
    expect_that(any(a.startswith(STATUS_PREFIXES) for a in answers), "the bot did not answer /status",
                observed={"answers": [a[:120] for a in answers]},
                expected=f"a reply starting with one of {STATUS_PREFIXES} within {ANSWER_WITHIN_S} s",
                where=f"{tg.service.url}/_standin/messages (chat {owner})")  # fmt: skip
    expect_none(sent_to(tg, STRANGER)[before_stranger:], "the bot answered a user who is not allowlisted",
                where=f"{tg.service.url}/_standin/messages (chat {STRANGER})")  # fmt: skip
