"""`orion check --notify` says something only when something changed, plus one daily summary; a `confirm`
remediation gets its approval button; a delivered weekly report is recorded; `orion notify` drains, tests, and
says that a unit failed. The digest is a fake here (orion/report/digest.py has its own tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from telegram_standin import TOKEN, Standin

from orion import inventory
from orion.remediate import pending
from orion.report import notify
from orion.report.outbox import SENT, Outbox
from orion.report.telegram import Channel, Outgoing, Result, Status

CHAT = "100000001"
MORNING = datetime(2026, 12, 2, 9, 0).astimezone()
NIGHT = datetime(2026, 12, 2, 3, 0).astimezone()


@dataclass(frozen=True)
class FakeDigest:
    telegram_html: str
    text: str
    headline: str
    changes: tuple[str, ...]


class Digests:
    """What build_digest returns for each run ID (changes empty: nothing new)."""

    def __init__(self) -> None:
        self.changes: dict[str, tuple[str, ...]] = {}

    def __call__(self, state: Path, record: dict, *, lang: str = "fr", report_path: str | None = None) -> FakeDigest:
        changes = self.changes.get(record["run_id"], ())
        headline = f"🔴 {len(changes)} échec(s)" if changes else "🟢 tout va bien"
        return FakeDigest(f"<b>{headline}</b> run {record['run_id']}", headline, headline, changes)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def __call__(self, message: Outgoing) -> Result:
        self.sent.append(message)
        return Result(Status.DELIVERED, message_id=len(self.sent))


@pytest.fixture
def channel() -> Channel:
    return Channel("http://127.0.0.1:1", inventory.Secret("env:T", TOKEN), (CHAT,), summary_at="08:00")


def run(state: Path, run_id: str) -> None:
    (state / "runs").mkdir(parents=True, exist_ok=True)
    body = {"run_id": run_id, "started": "2026-12-02T08:00:00Z", "finished": "2026-12-02T08:00:05Z", "checks": []}
    (state / "runs" / "latest.json").write_text(json.dumps(body))
    (state / "runs" / f"{run_id}.json").write_text(json.dumps(body))


def notify_after(state: Path, channel: Channel, digests: Digests, sent: Recorder, now: datetime):
    outbox = Outbox(state, min_interval=0)
    return notify.after_check(state, channel, say=lambda _: None, build=digests, send=sent, outbox=outbox, now=now)


def test_a_change_is_sent_once_and_a_failure_that_goes_on_is_not_repeated(tmp_path, channel):
    digests, sent = Digests(), Recorder()
    digests.changes = {"r1": ("SEC-01",)}
    for run_id in ("r1", "r1", "r2", "r3"):  # r1 twice (two commands on the same run), then nothing new
        run(tmp_path, run_id)
        notify_after(tmp_path, channel, digests, sent, NIGHT)
    assert [m.text for m in sent.sent] == ["<b>🔴 1 échec(s)</b> run r1"]


def test_a_recovery_and_a_new_failure_are_changes_too(tmp_path, channel):
    digests, sent = Digests(), Recorder()
    digests.changes = {"r1": ("SEC-01",), "r2": ("SEC-01",), "r3": ("SEC-01",)}  # failed, recovered, failed
    for run_id in ("r1", "r2", "r3"):
        run(tmp_path, run_id)
        notify_after(tmp_path, channel, digests, sent, NIGHT)
    assert len(sent.sent) == 3


def test_a_change_in_a_run_without_notify_is_news_at_the_next_notifying_run(tmp_path, channel):
    digests, sent = Digests(), Recorder()
    digests.changes = {"r1": ("SEC-01",), "r2-by-hand": ("TORR-02",)}
    run(tmp_path, "r1")
    notify_after(tmp_path, channel, digests, sent, NIGHT)
    run(tmp_path, "r2-by-hand")  # `orion check` without --notify: TORR-02 began failing there
    run(tmp_path, "r3")
    notify_after(tmp_path, channel, digests, sent, NIGHT)
    assert [m.text for m in sent.sent] == ["<b>🔴 1 échec(s)</b> run r1", "<b>🟢 tout va bien</b> run r3"]
    run(tmp_path, "r4")
    notify_after(tmp_path, channel, digests, sent, NIGHT)
    assert len(sent.sent) == 2


def test_one_daily_summary_at_the_first_run_after_its_hour(tmp_path, channel):
    digests, sent = Digests(), Recorder()
    run(tmp_path, "night")
    notify_after(tmp_path, channel, digests, sent, NIGHT)
    assert sent.sent == []
    for n, minute in enumerate((0, 5, 10)):
        run(tmp_path, f"morning-{n}")
        notify_after(tmp_path, channel, digests, sent, MORNING.replace(minute=minute))
    assert [m.text for m in sent.sent] == ["<b>🟢 tout va bien</b> run morning-0"]
    run(tmp_path, "next-day")
    notify_after(tmp_path, channel, digests, sent, MORNING.replace(day=3))
    assert len(sent.sent) == 2


def test_a_change_after_the_summary_hour_counts_as_the_summary(tmp_path, channel):
    digests, sent = Digests(), Recorder()
    digests.changes = {"change": ("MON-01",)}
    for run_id in ("change", "quiet"):
        run(tmp_path, run_id)
        notify_after(tmp_path, channel, digests, sent, MORNING)
    assert len(sent.sent) == 1


def test_a_confirm_remediation_gets_its_approval_button(tmp_path, channel):
    digests, sent = Digests(), Recorder()
    item = pending.add(tmp_path, "restart-gluetun", "orion-cortex", "r1", ["checks/x.py::test_y"])
    run(tmp_path, "r1")
    notify_after(tmp_path, channel, digests, sent, NIGHT)  # no change, but an approval is awaited: said at once
    [message] = sent.sent
    assert message.buttons == (("✅ Approuver restart-gluetun sur orion-cortex", f"orion:approve:{item.id}"),)
    assert len(f"orion:approve:{item.id}".encode()) <= 64
    run(tmp_path, "r2")
    notify_after(tmp_path, channel, digests, sent, NIGHT)
    assert len(sent.sent) == 1  # announced once


def test_a_digest_that_cannot_be_built_still_lets_waiting_messages_go(tmp_path, channel):
    notify.queue_text(tmp_path, channel, "waiting since the last run", kind="digest")
    run(tmp_path, "r1")

    def broken(*_args, **_kwargs) -> FakeDigest:
        raise RuntimeError("a bug in the digest")

    sent = Recorder()
    with pytest.raises(RuntimeError):
        notify_after(tmp_path, channel, broken, sent, NIGHT)
    assert [m.text for m in sent.sent] == ["waiting since the last run"]


def test_a_delivered_weekly_report_is_recorded(tmp_path, channel):
    chart = tmp_path / "week.png"
    chart.write_bytes(b"\x89PNG")
    notify.queue_weekly(tmp_path, channel, "<b>Rapport hebdomadaire</b>", "/var/lib/orion/reports/w48.html",
                        chart=chart, caption="Semaine 48")  # fmt: skip
    assert not (tmp_path / notify.WEEKLY_DELIVERED).exists()
    sent = Recorder()
    notify.drain(tmp_path, channel, say=lambda _: None, send=sent, outbox=Outbox(tmp_path, min_interval=0))
    assert [m.photo is not None for m in sent.sent] == [False, True]
    delivered = json.loads((tmp_path / notify.WEEKLY_DELIVERED).read_text())
    assert delivered["report"] == "/var/lib/orion/reports/w48.html" and delivered["at"].startswith("20")


def test_a_weekly_report_not_delivered_is_not_recorded(tmp_path, channel):
    notify.queue_weekly(tmp_path, channel, "<b>Rapport</b>", "/r.html")

    def down(_: Outgoing) -> Result:
        return Result(Status.RETRY, error="connection refused")

    notify.drain(tmp_path, channel, say=lambda _: None, send=down, outbox=Outbox(tmp_path, min_interval=0))
    assert not (tmp_path / notify.WEEKLY_DELIVERED).exists()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_failed_unit_is_named_and_escaped(lang):
    text = notify.unit_failed_text("orion-critical.service", lang)
    assert "<code>orion-critical.service</code>" in text and "journalctl -u orion-critical.service" in text
    with pytest.raises(ValueError):
        notify.unit_failed_text("<b>x</b>; rm -rf /", lang)


# --- the commands, end to end through the real sender and the stand-in ----------------------------------------


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Standin]:
    server = Standin(tmp_path / "standin").start()
    yield server
    server.stop()


@pytest.fixture
def lab_like(write, standin) -> Path:
    token = write("secrets/telegram_bot_token", TOKEN, 0o600)
    key = write("key", "not a key", 0o600)
    return write(
        "inventory.yml",
        f"all:\n  vars:\n    orion_telegram: {{chats: [{CHAT}]}}\n  children:\n    synapse:\n      hosts:\n"
        f"        orion-synapse:\n          ansible_host: 127.0.0.1\n          ansible_port: 1\n"
        f"          ansible_ssh_private_key_file: {key}\n          orion_node: synapse\n"
        f"          orion_services:\n            telegram: {{url: '{standin.url}', token: {{file: {token}}}}}\n",
    )


def orion(*args: str, state: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "orion.cli", *args, "--state-dir", str(state)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_orion_notify_test_unit_failed_and_status(lab_like, standin, tmp_path):
    state = tmp_path / "state"
    result = orion("notify", "--test", "--inventory", str(lab_like), state=state)
    assert result.returncode == 0, result.stdout + result.stderr
    result = orion("notify", "--unit-failed", "orion-critical.service", "--inventory", str(lab_like), state=state)
    assert result.returncode == 0, result.stdout + result.stderr
    texts = standin.texts()
    assert "message de test" in texts[0] and "orion-critical.service" in texts[1]
    standin.stop()
    result = orion("notify", "--test", "--inventory", str(lab_like), state=state)
    assert result.returncode == 1 and "wait in" in result.stdout
    status = orion("notify", "--status", state=state)
    assert status.returncode == 1 and "queue" in status.stdout and "test" in status.stdout
    for output in (result.stdout + result.stderr, status.stdout):
        assert TOKEN not in output and "Traceback" not in output
    stored = "".join(p.read_text() for p in (state / "outbox").rglob("*.json"))
    assert TOKEN not in stored and len(list((state / "outbox" / SENT).glob("*.json"))) == 2


def test_orion_notify_without_telegram_settings_is_a_clear_error(write, tmp_path):
    key = write("key", "k", 0o600)
    path = write("inventory.yml", "all:\n  hosts:\n    h:\n      ansible_host: 127.0.0.1\n      orion_node: synapse\n"
                 f"      ansible_ssh_private_key_file: {key}\n")  # fmt: skip
    result = orion("notify", "--drain", "--inventory", str(path), state=tmp_path / "state")
    assert result.returncode == 2 and "sets no orion_telegram" in result.stdout


def test_the_notify_docstring_documents_the_callback_data():
    assert "orion:approve:<pending ID>" in (notify.__doc__ or "")
    assert notify.CALLBACK_APPROVE == "orion:approve:"


def test_the_latest_weekly_report_is_queued_once_from_its_marker(tmp_path, channel):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "w.msg.html").write_text("<b>Semaine</b>")
    (reports / "w.png").write_bytes(b"\x89PNG")
    week = {"start": "2026-11-23T00:00:00Z", "end": "2026-11-30T00:00:00Z"}
    marker = {"report": str(reports / "w.html"), "message": str(reports / "w.msg.html"),
              "chart": str(reports / "w.png"), "week": week}  # fmt: skip
    (reports / "weekly-latest.json").write_text(json.dumps(marker))
    assert [m.kind for m in notify.queue_latest_weekly(tmp_path, channel)] == ["weekly", "weekly-chart"]
    assert notify.queue_latest_weekly(tmp_path, channel) == []  # the same report: once
    sent = Recorder()
    notify.drain(tmp_path, channel, say=lambda _: None, send=sent, outbox=Outbox(tmp_path, min_interval=0))
    assert sent.sent[1].text == "2026-11-23 → 2026-11-30"
    assert json.loads((reports / "weekly-delivered.json").read_text())["report"] == marker["report"]


def test_no_weekly_report_yet_is_a_clear_error(tmp_path, channel):
    with pytest.raises(LookupError, match="run `orion report --weekly` first"):
        notify.queue_latest_weekly(tmp_path, channel)


def test_the_narrative_follows_the_digest_as_a_reply(standin, tmp_path):
    channel = Channel(standin.url, inventory.Secret("env:T", TOKEN), (CHAT,))
    digests = Digests()
    digests.changes = {"r1": ("SEC-01",)}
    run(tmp_path, "r1")
    notify.after_check(tmp_path, channel, say=lambda _: None, build=digests, outbox=Outbox(tmp_path, min_interval=0),
                       now=NIGHT)  # fmt: skip
    notify.queue_reply(tmp_path, channel, "<i>Le tunnel VPN est tombé.</i>", "r1")
    notify.drain(tmp_path, channel, say=lambda _: None, outbox=Outbox(tmp_path, min_interval=0))
    digest, narrative = standin.messages()
    assert json.loads(narrative["params"]["reply_parameters"])["message_id"] == digest["message"]["message_id"]
    assert narrative["message"]["text"] == "Le tunnel VPN est tombé."


@dataclass(frozen=True)
class FakeNarrative:
    text: str | None
    reason: str | None


@pytest.mark.parametrize(("story", "expected"), [
    (FakeNarrative("SEC-01 : l'authentification par mot de passe est revenue <sshd>.", None),
     "SEC-01 : l'authentification par mot de passe est revenue <sshd>."),
    (FakeNarrative(None, "ollama refused the connection"), "Résumé par l'IA indisponible"),
])  # fmt: skip
def test_check_notify_sends_the_digest_first_then_the_narrative_as_its_reply(standin, tmp_path, story, expected):
    channel = Channel(standin.url, inventory.Secret("env:T", TOKEN), (CHAT,))
    digests, asked = Digests(), []
    digests.changes = {"r1": ("SEC-01",)}
    run(tmp_path, "r1")

    def narrate(state: Path, body: dict, *, lang: str) -> FakeNarrative:
        asked.append(len(standin.messages()))  # what had been delivered when the model was asked
        return story

    done = notify.after_check(tmp_path, channel, say=lambda _: None, build=digests, now=NIGHT, narrate=narrate,
                              outbox=Outbox(tmp_path, min_interval=0))  # fmt: skip
    assert asked == [1], "the digest is delivered before the model is asked"
    digest, narrative = standin.messages()
    assert json.loads(narrative["params"]["reply_parameters"])["message_id"] == digest["message"]["message_id"]
    assert expected in narrative["message"]["text"] and done.ok


def test_no_narrative_follows_a_run_with_nothing_new(tmp_path, channel):
    digests, sent, asked = Digests(), Recorder(), []
    run(tmp_path, "r1")
    notify.after_check(tmp_path, channel, say=lambda _: None, build=digests, send=sent, now=NIGHT,
                       narrate=lambda *a, **k: asked.append(1), outbox=Outbox(tmp_path, min_interval=0))  # fmt: skip
    assert not sent.sent and not asked
