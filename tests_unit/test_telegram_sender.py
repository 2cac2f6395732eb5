"""The real python-telegram-bot against the lab's Telegram stand-in: what each answer of the Bot API means for a
message (delivered, retry, uncertain, rejected, unauthorized), and the token never shown anywhere."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram_standin import TOKEN, Standin, free_port

from orion import inventory, redact
from orion.errors import ConfigError
from orion.report import telegram
from orion.report.telegram import Channel, Outgoing, Sender, Status

CHAT = "100000001"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Standin]:
    server = Standin(tmp_path / "standin").start()
    yield server
    server.stop()


def channel_to(url: str, token: str = TOKEN) -> Channel:
    redact.register(token)
    return Channel(url, inventory.Secret("env:TEST_TOKEN", token), (CHAT,))


def test_a_message_is_delivered_with_its_html_and_its_approval_button(standin):
    sender = Sender(channel_to(standin.url))
    result = sender.send(
        Outgoing(CHAT, "<b>2 échecs</b> &amp; rien d'autre", (("✅ Approuver", "orion:approve:p-1a2b3c4d"),))
    )
    assert result.status is Status.DELIVERED and result.message_id
    [sent] = standin.messages()
    assert sent["message"]["text"] == "2 échecs & rien d'autre"
    assert sent["params"]["parse_mode"] == "HTML"
    markup = json.loads(sent["params"]["reply_markup"])
    assert markup["inline_keyboard"][0][0]["callback_data"] == "orion:approve:p-1a2b3c4d"


def test_a_photo_goes_with_its_caption(standin, tmp_path):
    chart = tmp_path / "week.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    result = Sender(channel_to(standin.url)).send(Outgoing(CHAT, "Semaine 48", photo=chart))
    assert result.status is Status.DELIVERED
    [sent] = standin.messages()
    assert sent["method"] == "sendPhoto" and sent["params"]["photo_bytes"] == 108


def test_a_429_says_how_long_to_wait_and_nothing_was_shown(standin):
    standin.fail(mode="429", retry_after=7, count=1)
    result = Sender(channel_to(standin.url)).send(Outgoing(CHAT, "x"))
    assert (result.status, result.retry_after) == (Status.RETRY, 7.0)
    assert standin.messages() == []


def test_a_500_is_to_retry(standin):
    standin.fail(mode="500", count=1)
    assert Sender(channel_to(standin.url)).send(Outgoing(CHAT, "x")).status is Status.RETRY


def test_telegram_down_is_to_retry(tmp_path):
    result = Sender(channel_to(f"http://127.0.0.1:{free_port()}")).send(Outgoing(CHAT, "x"))
    assert result.status is Status.RETRY


def test_no_answer_after_sending_is_uncertain(standin):
    standin.fail(mode="hang", hang_s=5, count=1)
    result = Sender(channel_to(standin.url), read_timeout=0.5).send(Outgoing(CHAT, "x"))
    assert result.status is Status.UNCERTAIN


def test_bad_markup_is_rejected_for_good(standin):
    result = Sender(channel_to(standin.url)).send(Outgoing(CHAT, "<b>unclosed"))
    assert result.status is Status.REJECTED and "parse entities" in result.error


def test_a_refused_token_says_so_without_showing_it(standin, caplog):
    wrong = "7000000000:AAwrongwrongwrongwrongwrongwrongwrong1"
    caplog.set_level(logging.DEBUG)
    result = Sender(channel_to(standin.url, wrong)).send(Outgoing(CHAT, "x"))
    assert result.status is Status.UNAUTHORIZED
    assert wrong not in result.error and wrong not in caplog.text


def test_the_token_never_reaches_logs_or_errors_even_at_debug(standin, caplog):
    caplog.set_level(logging.DEBUG)
    sender = Sender(channel_to(standin.url))
    standin.fail(mode="500", count=1)
    results = [sender.send(Outgoing(CHAT, "x")), sender.send(Outgoing(CHAT, "y"))]
    down = Sender(channel_to(f"http://127.0.0.1:{free_port()}")).send(Outgoing(CHAT, "z"))
    assert "sendMessage" in caplog.text  # httpx logged the requests…
    for text in (caplog.text, *(r.error for r in [*results, down])):
        assert TOKEN not in text  # …with the token masked


# --- the inventory's channel ---------------------------------------------------------------------------------


def inventory_with(write, telegram_vars: str, service: str = "") -> Path:
    token = write("token", TOKEN, 0o600)
    service = service or f'telegram: {{url: "http://127.0.0.1:1", token: {{file: {token}}}}}'
    return write(
        "inventory.yml",
        "all:\n  vars:\n" + "".join(f"    {line}\n" for line in telegram_vars.splitlines()) + "  children:\n"
        "    synapse:\n      hosts:\n        orion-synapse:\n          ansible_host: 127.0.0.1\n"
        f"          orion_node: synapse\n          orion_services:\n            {service}\n",
    )


def test_the_channel_comes_from_the_inventory(write):
    path = inventory_with(write, "orion_telegram: {chats: [100000001, -1001234567890], summary_at: '07:30'}\n"
                                 "orion_lang: en")  # fmt: skip
    chan = telegram.channel(inventory.load(path))
    assert chan.chats == ("100000001", "-1001234567890") and chan.summary_at == "07:30" and chan.lang == "en"
    assert chan.base_url == "http://127.0.0.1:1/bot"
    assert chan.token.reveal() == TOKEN and TOKEN not in repr(chan)
    assert chan.allows(100000001) and not chan.allows(42)


def test_no_telegram_settings_means_notifications_are_off(write):
    with pytest.raises(telegram.NotConfigured, match="sets no orion_telegram"):
        telegram.channel(inventory.load(inventory_with(write, "orion_domain: example.org")))


@pytest.mark.parametrize(
    ("settings", "service", "error"),
    [
        ("orion_telegram: {chats: []}", "", r"orion_telegram.chats: List should have at least 1 item"),
        ("orion_telegram: {chats: [1], service: tg}", "", r"no orion_services entry 'tg'"),
        ("orion_telegram: {chats: [1]}", 'telegram: {url: "http://127.0.0.1:1"}', r"telegram: no token"),
        ("orion_telegram: {chats: [1], summary_at: '25:00'}", "", r"orion_telegram.summary_at"),
    ],
)
def test_wrong_telegram_settings_name_the_inventory_and_the_field(write, settings, service, error):
    with pytest.raises(ConfigError, match=error) as caught:
        telegram.channel(inventory.load(inventory_with(write, settings, service)))
    assert "inventory.yml" in str(caught.value)
