"""The outbox against the real python-telegram-bot and the Telegram stand-in: nothing is lost while Telegram is down,
fails or floods back; messages go in order, about one per second per chat, exactly once; a message whose fate is
unknown is not sent twice, and a notice says so."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram_standin import TOKEN, Standin

from orion import inventory, redact
from orion.report.outbox import QUEUE, SENT, UNCERTAIN, NotAllowed, Outbox
from orion.report.telegram import Channel, Outgoing, Result, Sender, Status

CHAT, OTHER = "100000001", "100000002"


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Standin]:
    server = Standin(tmp_path / "standin").start()
    yield server
    server.stop()


def chan(url: str, chats: tuple[str, ...] = (CHAT,)) -> Channel:
    redact.register(TOKEN)
    return Channel(url, inventory.Secret("env:T", TOKEN), chats)


def box(state: Path, **kwargs) -> Outbox:
    return Outbox(state, **{"min_interval": 0.05, **kwargs})


def drain(outbox: Outbox, channel: Channel, read_timeout: float = 5.0):
    return outbox.drain(channel, Sender(channel, read_timeout=read_timeout).send)


def test_telegram_down_for_several_runs_loses_nothing_and_keeps_the_order(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    standin.stop()
    for run in range(3):
        outbox.put(channel, f"run {run}: <b>first</b>", kind="digest")
        outbox.put(channel, f"run {run}: second", kind="digest")
        done = drain(outbox, channel)
        assert not done.delivered and len(done.waiting) == 2 * (run + 1)
    standin.start()
    done = drain(outbox, channel)
    expected = [f"run {r}: {which}" for r in range(3) for which in ("first", "second")]
    assert standin.texts() == expected
    assert len(done.delivered) == 6 and outbox.listing(QUEUE) == []
    assert drain(outbox, channel).delivered == [] and standin.texts() == expected  # exactly once


def test_a_500_leaves_the_message_and_those_after_it_for_the_next_run(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    for n in range(3):
        outbox.put(channel, f"m{n}", kind="digest")
    standin.fail(mode="500", count=1)
    done = drain(outbox, channel)
    assert [m.text for m in done.waiting] == ["m0", "m1", "m2"] and standin.texts() == []
    assert done.waiting[0].attempts == 1 and "Internal Server Error" in done.waiting[0].last_error
    drain(outbox, channel)
    assert standin.texts() == ["m0", "m1", "m2"]


def test_a_short_retry_after_is_waited_out_in_the_same_run(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    outbox.put(channel, "after the flood", kind="digest")
    standin.fail(mode="429", retry_after=1, count=2)
    start = time.monotonic()
    done = drain(outbox, channel)
    assert time.monotonic() - start >= 2.0  # two retry_after of 1 s
    assert [m.text for m in done.delivered] == ["after the flood"] and standin.texts() == ["after the flood"]


def test_a_long_retry_after_is_honoured_by_the_next_run(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state", max_wait=0.5)
    outbox.put(channel, "later", kind="digest")
    standin.fail(mode="429", retry_after=2, count=1)
    done = drain(outbox, channel)
    assert done.waiting and done.waiting[0].not_before > time.time()
    assert drain(outbox, channel).delivered == []  # too early: not even tried
    time.sleep(2.1)
    assert [m.text for m in drain(outbox, channel).delivered] == ["later"]


def test_one_message_per_second_per_chat(standin, tmp_path):
    """The stand-in answers 429 to a second message within 0.9 s: paced at 1 s, none is refused."""
    channel, outbox = chan(standin.url, (CHAT, OTHER)), Outbox(tmp_path / "state")
    standin.limit(0.9)
    outbox.put(channel, "a", kind="digest")
    outbox.put(channel, "b", kind="digest")
    start = time.monotonic()
    done = drain(outbox, channel)
    assert len(done.delivered) == 4 and all(m.attempts == 1 for m in done.delivered)
    assert time.monotonic() - start >= 1.0
    by_chat = {}
    for sent in standin.messages():
        by_chat.setdefault(str(sent["message"]["chat"]["id"]), []).append(sent["time"])
    for times in by_chat.values():
        assert times[1] - times[0] >= 0.95


def test_no_answer_means_not_sent_again_but_a_notice_says_so(standin, tmp_path):
    """The stand-in records the message, then never answers (the reply is lost): at most once, and said."""
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    outbox.put(channel, "the digest", kind="digest", headline="2 échecs")
    outbox.put(channel, "the next one", kind="digest")
    standin.fail(mode="lost-reply", hang_s=3, count=1)
    done = drain(outbox, channel, read_timeout=0.5)
    [lost] = done.uncertain
    assert standin.texts() == ["the digest"]  # Telegram hangs: the chat waits for the next run
    drain(outbox, channel)
    texts = standin.texts()
    assert texts[0] == "the digest" and texts.count("the digest") == 1
    assert lost.id in texts[1] and "2 échecs" in texts[1] and "n'est peut-être pas arrivé" in texts[1]
    assert texts[2:] == ["the next one"]
    assert drain(outbox, channel).delivered == [] and standin.texts().count("the digest") == 1
    assert [m.id for m in outbox.listing(UNCERTAIN)] == [lost.id]


def test_an_uncertain_message_goes_again_when_a_person_asks(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    outbox.put(channel, "hung", kind="digest")
    standin.fail(mode="hang", hang_s=3, count=1)
    [lost] = drain(outbox, channel, read_timeout=0.5).uncertain
    assert "hung" not in standin.texts()  # this time Telegram never took it
    outbox.resend(lost.id)
    drain(outbox, channel)
    assert standin.texts().count("hung") == 1 and outbox.listing(UNCERTAIN) == []


def test_a_crash_between_sending_and_marking_does_not_send_again(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    outbox.put(channel, "in flight", kind="digest", headline="3 échecs")
    real = Sender(channel).send

    def send_then_die(message: Outgoing) -> Result:
        real(message)
        raise KeyboardInterrupt  # the process stops before the outbox marks the message delivered

    with pytest.raises(KeyboardInterrupt):
        outbox.drain(channel, send_then_die)
    [stuck] = outbox.listing(QUEUE)
    assert stuck.state == "sending"
    done = drain(box(tmp_path / "state"), channel)  # the next run
    assert [m.id for m in done.uncertain] == [stuck.id]
    texts = standin.texts()
    assert texts.count("in flight") == 1 and stuck.id in texts[-1] and "3 échecs" in texts[-1]


def test_a_move_interrupted_after_writing_the_new_copy_keeps_one_copy(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    [message] = outbox.put(channel, "twice?", kind="digest")
    drain(outbox, channel)
    sent = outbox.root / SENT / message.name
    (outbox.root / QUEUE / message.name).write_text(sent.read_text().replace('"delivered"', '"sending"'))
    done = drain(outbox, channel)
    assert done.uncertain == [] and standin.texts() == ["twice?"] and outbox.listing(QUEUE) == []


def test_a_message_telegram_refuses_is_set_aside_and_said(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    outbox.put(channel, "<b>unclosed", kind="digest", headline="1 échec")
    outbox.put(channel, "after it", kind="digest")
    done = drain(outbox, channel)
    [refused] = done.rejected
    texts = standin.texts()
    assert "a refusé" in texts[0] and refused.id in texts[0] and "parse entities" in texts[0]
    assert texts[1:] == ["after it"]


def test_only_allowlisted_chats(standin, tmp_path):
    channel, outbox = chan(standin.url), box(tmp_path / "state")
    with pytest.raises(NotAllowed):
        outbox.put_one("666", "x", kind="digest", allowed=channel.chats)
    outbox.put(chan(standin.url, (CHAT, OTHER)), "y", kind="digest")
    done = drain(outbox, channel)  # OTHER left the allowlist since
    assert [m.chat for m in done.delivered] == [CHAT] and [m.chat for m in done.rejected] == [OTHER]  # no notice
    assert [str(m["message"]["chat"]["id"]) for m in standin.messages()] == [CHAT]


def test_the_token_refused_keeps_everything_queued(standin, tmp_path):
    wrong = Channel(
        standin.url, inventory.Secret("env:T", "7000000000:AAwrongwrongwrongwrongwrongwrongwrong1"), (CHAT,)
    )
    outbox = box(tmp_path / "state")
    outbox.put(wrong, "a", kind="digest")
    outbox.put(wrong, "b", kind="digest")
    done = drain(outbox, wrong)
    assert done.unauthorized and len(outbox.listing(QUEUE)) == 2


# --- no secret ever stored -------------------------------------------------------------------------------------

SECRET = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40)
FILLER = st.text(max_size=60)


@given(secret=SECRET, before=FILLER, after=FILLER)
def test_no_planted_secret_ever_reaches_the_outbox(tmp_path_factory, secret, before, after):
    redact.register(secret)  # as the inventory registers every secret it loads
    state = tmp_path_factory.mktemp("state")
    channel = Channel("http://127.0.0.1:1", inventory.Secret("env:T", TOKEN), (CHAT,))
    outbox = Outbox(state, min_interval=0)
    planted = f"{before}{secret}{after} token={TOKEN}"
    outbox.put(channel, planted, kind="digest", headline=planted, buttons=[[planted, "orion:approve:p-1"]],
               meta={"evidence": planted})  # fmt: skip

    def fails(message: Outgoing) -> Result:
        return Result(Status.RETRY, error=f"refused: {message.text} {secret} {TOKEN}")

    outbox.drain(channel, fails)
    stored = "".join(p.read_text() for p in (state / "outbox").rglob("*") if p.is_file())
    assert secret not in stored and TOKEN not in stored
    assert json.loads(next((state / "outbox" / QUEUE).glob("*.json")).read_text())["last_error"].startswith("refused")
