"""What Orion says on Telegram, and when: `orion check --notify`, `orion notify`, and the weekly report's message.

After a run, `orion check --notify` sends the run's digest (orion/report/digest.py) to the inventory's chats
(`orion_telegram.chats`, an allowlist) only when something changed: a requirement newly failing, recovered or
escalated (the digest's `changes`, also those of runs recorded in between without --notify: by hand, `orion
apply`), or a remediation newly waiting for a person's approval. A failure that goes on
is not repeated every 5 minutes: it is in the one daily summary, the digest of the first notifying run at or
after `orion_telegram.summary_at` (08:00 local time by default; a change digest sent after that hour counts as the
day's summary). Each run is announced at most once.

Every message goes through the outbox (orion/report/outbox.py: on disk, in order, exactly once except the
at-most-once case it explains), which each notifying command drains: messages that could not go wait for the next.

A `confirm` remediation waiting for approval (orion/remediate/pending.py) gets an inline button under the digest.
Its callback data is ``orion:approve:<pending ID>`` (e.g. ``orion:approve:p-1a2b3c4d``, at most 64 bytes as
Telegram requires): the bot that receives the callback runs ``orion remediate --approve <pending ID>`` after
checking that the callback comes from an allowlisted chat. Buttons show under every digest and summary while
the action waits (at most ``MAX_BUTTONS``).

Other reports queue through here too: `queue_reply()` (the LLM narrative, sent after the run's digest as a reply
to it: it never delays the digest), `queue_weekly()` / `queue_latest_weekly()` (the weekly report and its chart),
`queue_text()`; `drain()` sends.

When a weekly report's message is delivered, ``<state>/reports/weekly-delivered.json`` says when and which report:
``{"at": "<ISO 8601 UTC>", "report": "<path>", "delivery": "<delivery ID>"}`` (MAINT-07 reads it).
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from orion import inventory as inventory_mod
from orion import record as record_mod
from orion.remediate import pending, runs
from orion.report import telegram
from orion.report.outbox import Drained, Message, Outbox, atomic_write

CALLBACK_APPROVE = "orion:approve:"
MAX_BUTTONS = 8
#: At most this many runs recorded between two notifying runs are read for changes.
MAX_MISSED = 50
WEEKLY_DELIVERED = Path("reports") / "weekly-delivered.json"
_UNIT = re.compile(r"^[\w@.:\\-]{1,200}$")

Say = Callable[[str], None]


class DigestLike(Protocol):
    telegram_html: str
    headline: str
    changes: tuple[str, ...]


BuildDigest = Callable[..., DigestLike]


class NarrativeLike(Protocol):
    text: str | None
    reason: str | None


Narrate = Callable[..., NarrativeLike]


def channel(inventory_path: Path | None) -> telegram.Channel:
    """The inventory's Telegram channel (NotConfigured when it sets none; ConfigError when it is wrong)."""
    return telegram.channel(inventory_mod.load(inventory_path))


def after_check(state: Path, chan: telegram.Channel, *, say: Say, build: BuildDigest | None = None,
                send: Callable[[telegram.Outgoing], telegram.Result] | None = None,
                outbox: Outbox | None = None, now: datetime | None = None,
                narrate: Narrate | None = None) -> Drained:  # fmt: skip
    """`orion check --notify`: queue the latest run's digest if it is news (or the daily summary), then drain.
    With `narrate`, a digest of changes is followed by the LLM's narrative (or the sentence that says it is not
    available), queued as a reply only once the digest has been drained: the model never delays the digest."""
    box = outbox or Outbox(state)
    body = runs.load(state)
    kind = None
    try:
        if body is not None:
            with _locked(state):
                kind = _announce(state, chan, box, body, build or _build_digest,
                                 now or datetime.now().astimezone(), say)  # fmt: skip
    finally:  # a digest that cannot be built still lets what waits go
        done = drain(state, chan, say=say, send=send, outbox=box)
    if kind != "digest" or narrate is None or body is None:
        return done
    story = narrate(state, body, lang=chan.lang)
    if story.text is None:
        say(f"orion: narrative not available: {story.reason}")
    queue_reply(state, chan, narrative_html(story.text, chan.lang), str(body.get("run_id")), headline="narrative")
    after = drain(state, chan, say=say, send=send, outbox=box)
    return Drained(done.delivered + after.delivered, after.waiting, done.uncertain + after.uncertain,
                   done.rejected + after.rejected, done.unauthorized or after.unauthorized)  # fmt: skip


def narrative_html(text: str | None, lang: str) -> str:
    """The narrative's message: its text escaped, or the sentence that says it is not available."""
    from orion.report.narrative import unavailable

    if text is None:
        return f"<i>{html.escape(unavailable(lang))}</i>"
    return html.escape(text)


def _announce(state: Path, chan: telegram.Channel, box: Outbox, body: dict[str, Any], build: BuildDigest,
              now: datetime, say: Say) -> str | None:  # fmt: skip
    """Queue the run's digest when it is news (kind "digest") or the day's summary ("summary"); the kind queued."""
    memory = _memory(state)
    if memory.get("last_run") == body.get("run_id"):
        return None  # this run was announced already
    waiting = pending.all_pending(state)
    new_pending = [p.id for p in waiting if p.id not in set(memory.get("announced_pending", []))]
    today = now.date().isoformat()
    summary_due = memory.get("summary_date") != today and now.strftime("%H:%M") >= chan.summary_at
    digest = build(state, body, lang=chan.lang)
    missed = _missed_changes(state, memory.get("last_run"), body, build, chan.lang)
    kind = "digest" if digest.changes or missed or new_pending else "summary" if summary_due else None
    if kind is None:
        _remember(state, memory | {"last_run": body.get("run_id")})
        return None
    buttons = [[_label(p, chan.lang), CALLBACK_APPROVE + p.id] for p in waiting[:MAX_BUTTONS]]
    messages = box.put(chan, digest.telegram_html, kind=kind, headline=digest.headline, buttons=buttons,
                       meta={"run_id": body.get("run_id"), "changes": list(digest.changes),
                             "missed": list(missed)})  # fmt: skip
    say(f"orion: telegram: {kind} of run {body.get('run_id')} queued for {len(messages)} chat(s)")
    memory |= {"last_run": body.get("run_id"), "announced_pending": [p.id for p in waiting]}
    if now.strftime("%H:%M") >= chan.summary_at:
        memory["summary_date"] = today
    _remember(state, memory)
    return kind


def _missed_changes(state: Path, last: str | None, body: dict[str, Any], build: BuildDigest,
                    lang: str) -> tuple[str, ...]:  # fmt: skip
    """Changes of the runs recorded since the last notifying one (a run by hand, `orion apply`, a gate): the
    digest compares a run with the one before it, so a failure that began in such a run would never be news."""
    current = str(body.get("run_id") or "")
    if not last or not current:
        return ()
    between = sorted(p.stem for p in (state / "runs").glob("*.json") if last < p.stem < current)
    found: list[str] = []
    for run_id in between[-MAX_MISSED:]:
        try:
            record = runs.load(state, run_id)
        except (OSError, ValueError):
            continue
        if record is not None:
            found += build(state, record, lang=lang).changes
    return tuple(dict.fromkeys(found))


def _label(item: pending.Pending, lang: str) -> str:
    verb = "Approve" if lang == "en" else "Approuver"
    where = "on" if lang == "en" else "sur"
    return f"✅ {verb} {item.entry} {where} {item.host}"


def drain(state: Path, chan: telegram.Channel, *, say: Say, send: Callable[[telegram.Outgoing], telegram.Result]
          | None = None, outbox: Outbox | None = None) -> Drained:  # fmt: skip
    """Send what waits in the outbox; record a delivered weekly report."""
    box = outbox or Outbox(state)
    sender = send or telegram.Sender(chan).send
    done = box.drain(chan, sender, say=say, lang=chan.lang)
    for message in done.delivered:
        if message.kind == "weekly" and message.meta.get("report"):
            _weekly_delivered(state, message)
    if done.waiting:
        say(f"orion: telegram: {len(done.waiting)} message(s) wait in {box.root} for the next run")
    return done


def queue_weekly(state: Path, chan: telegram.Channel, html: str, report: Path | str, *, headline: str = "",
                 chart: Path | None = None, caption: str = "") -> list[Message]:  # fmt: skip
    """The weekly report's message (and its chart, a PNG, right after it), queued; drain() sends them and, once
    the message is delivered, writes <state>/reports/weekly-delivered.json."""
    box = Outbox(state)
    queued = box.put(chan, html, kind="weekly", headline=headline, meta={"report": str(report)})
    if chart is not None:
        queued += box.put(chan, caption, kind="weekly-chart", headline=headline, photo=chart,
                          meta={"report": str(report), "chart": True})  # fmt: skip
    return queued


def queue_latest_weekly(state: Path, chan: telegram.Channel) -> list[Message]:
    """`orion notify --weekly`: queue the report that `orion report --weekly` wrote last (its marker,
    <state>/reports/weekly-latest.json: the Telegram message and the chart), once per report."""
    from orion.report.weekly import LATEST

    marker_path = state / "reports" / LATEST
    try:
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
        html = Path(marker["message"]).read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = f"no weekly report to send ({marker_path}: {exc}): run `orion report --weekly` first"
        raise LookupError(why) from None
    with _locked(state):
        memory = _memory(state)
        if memory.get("weekly_queued") == marker.get("report"):
            return []
        week = marker.get("week") or {}
        caption = f"{week.get('start', '')[:10]} → {week.get('end', '')[:10]}".strip(" →")
        chart = Path(marker["chart"]) if marker.get("chart") and Path(marker["chart"]).exists() else None
        queued = queue_weekly(state, chan, html, marker["report"], headline=f"weekly {caption}", chart=chart,
                              caption=caption)  # fmt: skip
        _remember(state, memory | {"weekly_queued": marker.get("report")})
    return queued


def queue_reply(state: Path, chan: telegram.Channel, html: str, run_id: str, *, kind: str = "narrative",
                headline: str = "") -> list[Message]:  # fmt: skip
    """A message that follows a run's digest (the LLM narrative): queued after it, sent as a reply to it in each
    chat where the digest was delivered (else as a plain message). It never delays the digest: the digest is
    queued first, and goes first."""
    return Outbox(state).put(chan, html, kind=kind, headline=headline, meta={"reply_to_run": run_id})


def queue_text(state: Path, chan: telegram.Channel, html: str, *, kind: str, headline: str = "") -> list[Message]:
    return Outbox(state).put(chan, html, kind=kind, headline=headline)


def unit_failed_text(unit: str, lang: str) -> str:
    """The message of `orion notify --unit-failed UNIT` (systemd's OnFailure=)."""
    if not _UNIT.match(unit):
        raise ValueError(f"{unit!r} is not a systemd unit name")
    name = unit.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if lang == "en":
        return (f"⚠️ <b>Orion: the systemd unit <code>{name}</code> failed.</b>\nIts checks or its report did not "
                f"run to the end. On synapse: <code>journalctl -u {name}</code>")  # fmt: skip
    return (f"⚠️ <b>Orion : l'unité systemd <code>{name}</code> a échoué.</b>\nSes contrôles ou son rapport ne sont "
            f"pas allés au bout. Sur synapse : <code>journalctl -u {name}</code>")  # fmt: skip


def test_text(lang: str) -> str:
    stamp = record_mod.now()
    if lang == "en":
        return f"🔔 <b>Orion</b>: test message ({stamp}). Notifications reach this chat."
    return f"🔔 <b>Orion</b> : message de test ({stamp}). Les notifications arrivent dans ce chat."


def _weekly_delivered(state: Path, message: Message) -> None:
    path = state / WEEKLY_DELIVERED
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"at": message.sent_at or record_mod.now(), "report": message.meta["report"], "delivery": message.id}
    atomic_write(path, json.dumps(body, indent=2) + "\n")
    path.chmod(0o644)


def _build_digest(state: Path, body: dict[str, Any], *, lang: str) -> DigestLike:
    from orion.report.digest import build_digest

    return build_digest(state, body, lang=lang)


# --- what was announced ---------------------------------------------------------------------------------------


def _memory(state: Path) -> dict[str, Any]:
    try:
        found = json.loads((state / "notify" / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _remember(state: Path, memory: dict[str, Any]) -> None:
    atomic_write(state / "notify" / "state.json", json.dumps(memory, indent=1) + "\n")


@contextlib.contextmanager
def _locked(state: Path) -> Iterator[None]:
    where = state / "notify"
    where.mkdir(parents=True, exist_ok=True)
    with (where / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
