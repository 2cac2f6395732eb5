"""The outbox: every Telegram message Orion sends waits on disk (`<state>/outbox/`) until Telegram has it.

A message is put in the outbox first, then the outbox is drained: in order (per chat, by sequence number), about
one message per second per chat, waiting as long as a 429's `retry_after` asks when that is short (else the chat
waits for the next drain, which honours it too). A message that cannot be delivered now (Telegram down, a 5xx,
a connect timeout, a long 429) stays queued, and so do the messages after it for the same chat, so that they go
with the next run in the order they were written.

Each message has a delivery ID (`d-…`) and one file, moved from directory to directory as its state changes:

    queue/<seq>-<id>.json     state `queued`, or `sending` while its request is out
    sent/                     delivered (Telegram's message_id and the time), kept `KEEP_DAYS` days
    uncertain/                sent, but no answer came: Telegram may or may not show it (below)
    rejected/                 Telegram refused it for good (400, 403: a notice says so), or its chat left the
                              allowlist

The guarantee, honestly. Before its request goes out, a message is marked `sending` (written, fsynced, renamed).
When Telegram answers, the message is marked delivered (moved to sent/) or put back in the queue. Two cases
leave the outcome unknown: the request went out and no answer came (a read timeout, the connection dropped), and
Orion stopped between sending and marking (a crash, a kill, a power cut: the next drain finds `sending`). The
Bot API has no idempotency key and no way for a bot to list what it sent to a chat, so Orion cannot find out.
It then chooses **at most once**: the message is moved to uncertain/ and is NOT sent again on its own, because
sending again would show it twice whenever Telegram did take it. It is not lost silently either: a short notice
takes its place in the chat's queue, naming its delivery ID, its headline and its time ("may not have arrived"),
and `orion notify --resend ID` sends it again when a person asks. (A Telegram that does not answer makes the chat
wait for the next drain, so that one drain never hangs on message after message.) What such a message said about
failures that go on is said again by the daily summary.

Everything else is **exactly once**: a message Telegram certainly did not take (refused connection, connect
timeout, 5xx, 429) stays queued until it is delivered, whatever the number of runs in between, and a delivered
one is never sent again.

Only allowlisted chats get a message (checked when it is put in, and again when it is sent). Texts are redacted
before they reach the disk, and errors are kept redacted, so no secret is ever stored here.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orion import redact
from orion.report.telegram import MAX_CAPTION, MAX_TEXT, Channel, Outgoing, Result, Status

#: Telegram allows about one message per second per chat.
MIN_INTERVAL_S = 1.0
#: A 429 asking to wait longer than this ends the chat's drain; the next run waits the rest.
MAX_WAIT_S = 60.0
#: How many 429s in a row one drain waits out for a message before leaving it to the next run.
RETRIES_429 = 3
KEEP_DAYS = 30
QUEUE, SENT, UNCERTAIN, REJECTED, FILES = "queue", "sent", "uncertain", "rejected", "files"

Say = Callable[[str], None]
SendFn = Callable[[Outgoing], Result]


class NotAllowed(ValueError):
    """A chat that the inventory's allowlist does not name."""


@dataclass
class Message:
    id: str
    seq: int
    chat: str
    text: str
    kind: str  # digest, summary, weekly, notice, unit-failed, test
    created: str
    headline: str = ""
    buttons: list[list[str]] = field(default_factory=list)  # [label, callback data]
    photo: str | None = None  # a file under outbox/files/, then `text` is its caption
    meta: dict[str, Any] = field(default_factory=dict)
    state: str = "queued"  # queued, sending, delivered, uncertain, rejected
    attempts: int = 0
    not_before: float = 0.0  # epoch seconds: a 429's retry_after, honoured by the next drain
    last_error: str = ""
    sent_at: str = ""
    message_id: int | None = None

    @property
    def name(self) -> str:
        return f"{self.seq:010d}-{self.id}.json"


@dataclass
class Drained:
    """What one drain did."""

    delivered: list[Message] = field(default_factory=list)
    waiting: list[Message] = field(default_factory=list)
    uncertain: list[Message] = field(default_factory=list)
    rejected: list[Message] = field(default_factory=list)
    unauthorized: bool = False

    @property
    def ok(self) -> bool:
        return not (self.waiting or self.uncertain or self.rejected or self.unauthorized)


class Outbox:
    def __init__(self, state: Path, *, min_interval: float = MIN_INTERVAL_S, max_wait: float = MAX_WAIT_S,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.root = state / "outbox"
        self.min_interval = min_interval
        self.max_wait = max_wait
        self.sleep = sleep
        for name in (QUEUE, SENT, UNCERTAIN, REJECTED, FILES):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    # --- putting messages in ------------------------------------------------------------------------------

    def put(self, chan: Channel, text: str, *, kind: str, headline: str = "", buttons: list[list[str]] | None = None,
            photo: Path | None = None, meta: dict[str, Any] | None = None) -> list[Message]:  # fmt: skip
        """One message for each allowed chat of `chan`, queued in order. The text is redacted first."""
        return [self.put_one(chat, text, kind=kind, headline=headline, buttons=buttons, photo=photo, meta=meta,
                             allowed=chan.chats) for chat in chan.chats]  # fmt: skip

    def put_one(self, chat: str, text: str, *, kind: str, allowed: tuple[str, ...], headline: str = "",
                buttons: list[list[str]] | None = None, photo: Path | None = None,
                meta: dict[str, Any] | None = None) -> Message:  # fmt: skip
        if str(chat) not in allowed:
            raise NotAllowed(f"chat {chat} is not in the inventory's orion_telegram.chats")
        limit = MAX_CAPTION if photo else MAX_TEXT
        text = redact.text(text)
        if len(text) > limit * 2:  # a gross overflow is a bug upstream; Telegram would refuse it anyway
            text = text[: limit * 2]
        with self._locked():
            seq = self._next_seq()
            delivery = "d-" + secrets.token_hex(6)
            stored = None
            if photo is not None:
                stored = self.root / FILES / f"{delivery}{photo.suffix}"
                stored.write_bytes(photo.read_bytes())
            message = Message(delivery, seq, str(chat), text, kind, _now(), redact.text(headline),
                              [[redact.text(label), data] for label, data in buttons or []],
                              stored.name if stored else None,
                              redact.data(meta or {}))  # fmt: skip
            self._write(QUEUE, message)
        return message

    # --- draining -------------------------------------------------------------------------------------------

    def drain(self, chan: Channel, send: SendFn, *, say: Say = lambda _: None, lang: str = "fr") -> Drained:
        """Send what waits, in order; see the module's docstring for what happens on each outcome."""
        done = Drained()
        with self._locked():
            self._recover(chan, done, lang)
            blocked: set[str] = set()
            pace = self._pace()
            queue = self._queued()
            while queue:
                message = queue.pop(0)
                if message.chat in blocked or done.unauthorized:
                    done.waiting.append(message)
                    continue
                if not chan.allows(message.chat):
                    message.last_error = "the chat is no longer in the inventory's orion_telegram.chats"
                    self._move(message, REJECTED, "rejected")
                    done.rejected.append(message)
                    continue
                if message.not_before > time.time():
                    blocked.add(message.chat)
                    done.waiting.append(message)
                    continue
                result = self._send(message, send, pace)
                if result.status is Status.DELIVERED:
                    message.message_id, message.sent_at = result.message_id, _now()
                    self._move(message, SENT, "delivered")
                    done.delivered.append(message)
                elif result.status is Status.UNCERTAIN:  # Telegram hangs: the chat waits for the next run
                    self._move(message, UNCERTAIN, "uncertain")
                    done.uncertain.append(message)
                    if message.kind != "notice":
                        done.waiting.append(self._notice(chan, message, lang))
                    blocked.add(message.chat)
                elif result.status is Status.REJECTED:
                    self._move(message, REJECTED, "rejected")
                    done.rejected.append(message)
                    if message.kind != "notice":
                        queue.insert(0, self._notice(chan, message, lang, refused=True))
                else:  # retry later (or the token refused: nothing can go)
                    message.state = "queued"
                    if result.retry_after:
                        message.not_before = time.time() + result.retry_after
                    self._write(QUEUE, message)
                    blocked.add(message.chat)
                    done.waiting.append(message)
                    done.unauthorized = done.unauthorized or result.status is Status.UNAUTHORIZED
                say(_line(message, result))
            self._save_pace(pace)
            self._prune()
        return done

    def resend(self, delivery: str) -> Message:
        """Put an uncertain (or rejected) message back in the queue, at its end, when a person asks."""
        with self._locked():
            for where in (UNCERTAIN, REJECTED):
                for path in (self.root / where).glob(f"*-{delivery}.json"):
                    message = _read(path)
                    message.seq, message.state, message.not_before = self._next_seq(), "queued", 0.0
                    message.meta = {**message.meta, "resent_from": where}
                    self._write(QUEUE, message)
                    path.unlink()
                    return message
        raise LookupError(f"no uncertain or rejected message {delivery} in {self.root}")

    def listing(self, where: str = QUEUE) -> list[Message]:
        return [_read(p) for p in sorted((self.root / where).glob("*.json"))]

    def _send(self, message: Message, send: SendFn, pace: dict[str, float]) -> Result:
        """Mark `sending` (durably), wait for the chat's pace and any short retry_after, then send."""
        for attempt in range(1, RETRIES_429 + 2):
            wait = min(self.min_interval, pace.get(message.chat, 0.0) + self.min_interval - time.time())
            if wait > 0:
                self.sleep(wait)
            message.state, message.attempts = "sending", message.attempts + 1
            self._write(QUEUE, message)
            photo = self.root / FILES / message.photo if message.photo else None
            buttons = tuple((b[0], b[1]) for b in message.buttons)
            result = send(Outgoing(message.chat, message.text, buttons, photo, self._reply_to(message)))
            pace[message.chat] = time.time()
            message.last_error = redact.text(result.error)
            short = result.retry_after is not None and result.retry_after <= self.max_wait
            if result.status is Status.RETRY and short and attempt <= RETRIES_429:
                self.sleep(result.retry_after or 0.0)
                continue
            return result
        raise AssertionError("unreachable")

    def _reply_to(self, message: Message) -> int | None:
        """The Telegram message_id of the delivered message this one answers: `meta.reply_to_run` names a run,
        whose digest (or summary) in the same chat it answers. None when that one was not delivered."""
        run_id = message.meta.get("reply_to_run")
        if not run_id:
            return None
        answered = [m for m in self.listing(SENT) if m.chat == message.chat and m.meta.get("run_id") == run_id
                    and m.kind in ("digest", "summary")]  # fmt: skip
        return answered[-1].message_id if answered else None

    def _recover(self, chan: Channel, done: Drained, lang: str) -> None:
        """A message found `sending` was out when Orion stopped: its fate is unknown (at most once: see above)."""
        for message in self._queued():
            if any((self.root / where / message.name).exists() for where in (SENT, UNCERTAIN, REJECTED)):
                (self.root / QUEUE / message.name).unlink()  # moved, then stopped before the queue's copy went
                continue
            if message.state == "sending":
                message.last_error = "Orion stopped while this message was being sent"
                self._move(message, UNCERTAIN, "uncertain")
                done.uncertain.append(message)
                if message.kind != "notice" and chan.allows(message.chat):
                    self._notice(chan, message, lang)

    def _notice(self, chan: Channel, lost: Message, lang: str, *, refused: bool = False) -> Message:
        """A short message saying that `lost` may not have arrived (or that Telegram refused it); queued at once
        (it goes next)."""
        about = f"{_esc(lost.headline or lost.kind)}, {lost.created[:16].replace('T', ' ')} UTC, {lost.id}"
        command = f"<code>orion notify --resend {lost.id}</code>"
        if refused:
            error = _esc(lost.last_error[:300])
            text = (f"⚠️ Telegram refused a message from Orion ({about}): {error}" if lang == "en"
                    else f"⚠️ Telegram a refusé un message d'Orion ({about}) : {error}")  # fmt: skip
        elif lang == "en":
            text = (f"⚠️ A message from Orion may not have arrived ({about}): Telegram did not answer. "
                    f"To send it again: {command}")  # fmt: skip
        else:
            text = (f"⚠️ Un message d'Orion n'est peut-être pas arrivé ({about}) : Telegram n'a pas répondu. "
                    f"Pour le renvoyer : {command}")  # fmt: skip
        # The notice takes the place of the message it is about, in the chat's order (refused: right after it).
        message = Message("d-" + secrets.token_hex(6), lost.seq, lost.chat, redact.text(text), "notice", _now(),
                          meta={"about": lost.id})  # fmt: skip
        self._write(QUEUE, message)
        return message

    # --- files ----------------------------------------------------------------------------------------------

    def _queued(self) -> list[Message]:
        return sorted(self.listing(QUEUE), key=lambda m: (m.seq, m.created))

    def _write(self, where: str, message: Message) -> None:
        atomic_write(self.root / where / message.name, json.dumps(asdict(message), indent=1, ensure_ascii=False) + "\n")

    def _move(self, message: Message, where: str, state: str) -> None:
        """Write the message in its new directory, then remove it from the queue (a crash in between leaves
        it in both: the next drain drops the queue's copy, in _recover)."""
        message.state = state
        self._write(where, message)
        (self.root / QUEUE / message.name).unlink(missing_ok=True)
        _fsync_dir(self.root / QUEUE)

    def _next_seq(self) -> int:
        path = self.root / "seq"
        try:
            seq = int(path.read_text().strip()) + 1
        except (OSError, ValueError):
            seq = 1 + max((m.seq for d in (QUEUE, SENT, UNCERTAIN, REJECTED) for m in self.listing(d)), default=0)
        atomic_write(path, f"{seq}\n")
        return seq

    def _pace(self) -> dict[str, float]:
        try:
            return {str(k): float(v) for k, v in json.loads((self.root / "pace.json").read_text()).items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def _save_pace(self, pace: dict[str, float]) -> None:
        atomic_write(self.root / "pace.json", json.dumps(pace) + "\n")

    def _prune(self) -> None:
        """Delivered messages older than KEEP_DAYS go (with their photos); the others stay until handled."""
        cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).isoformat()
        for message in self.listing(SENT):
            if message.sent_at and message.sent_at < cutoff:
                (self.root / SENT / message.name).unlink(missing_ok=True)
                if message.photo:
                    (self.root / FILES / message.photo).unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: Path) -> Message:
    return Message(**json.loads(path.read_text(encoding="utf-8")))


def _line(message: Message, result: Result) -> str:
    what = f"{message.kind} {message.id} to chat {message.chat}"
    return f"orion: telegram: {what}: {result.status.value}" + (f" ({result.error})" if result.error else "")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atomic_write(path: Path, text: str) -> None:
    """Write, fsync, rename, fsync the directory: after a crash the file is the old one or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
