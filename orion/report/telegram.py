"""Telegram: where the inventory says Orion may write (`orion_telegram`), and one message sent through
python-telegram-bot, its result classified by what it means for a message that must be neither lost nor repeated.

The Bot API's address and the bot's token come from the `orion_services` entry the chats name (`telegram` by
default: `{url: https://api.telegram.org, token: {env: …}}`; the lab's points at its stand-in). The token is a
secret: it reaches python-telegram-bot and nothing else. It is registered for redaction when the inventory loads,
every error text kept or printed goes through `redact` and a literal replacement, and the `httpx`, `httpcore` and
`telegram` loggers (httpx logs each request's URL, which holds the token) get a filter that masks it.

What a result means (:class:`Result`):

- ``delivered``: Telegram answered with the message;
- ``retry``: Telegram certainly did not take it (connection refused or failed, a connect timeout, an answer
  such as a 5xx or a 429): it may go again later, and must, to be not lost;
- ``uncertain``: the request went out and no answer came back (a read timeout, the connection dropped after
  sending): Telegram may have shown it. The Bot API has no idempotency key, so sending it again could show it
  twice; the outbox does not (orion/report/outbox.py);
- ``rejected``: Telegram refused this message for good (400 Bad Request, 403 Forbidden): sending it again would
  be refused again;
- ``unauthorized``: the token was refused: no message can go until the inventory is fixed.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from orion import inventory as inventory_mod
from orion import redact
from orion.errors import ConfigError

#: Connect quickly or call it not delivered; once the request is out, wait long enough for a slow answer.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
#: Telegram's limits: a message is 1-4096 characters, a photo's caption 0-1024 (after entity parsing).
MAX_TEXT = 4096
MAX_CAPTION = 1024
#: Causes of an error after which Telegram may have taken the message (the request was sent).
_SENT_THEN_LOST = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


class Status(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    UNCERTAIN = "uncertain"
    REJECTED = "rejected"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True)
class Result:
    status: Status
    message_id: int | None = None
    retry_after: float | None = None  # seconds Telegram asked to wait (429)
    error: str = ""  # redacted


@dataclass(frozen=True)
class Channel:
    """Where notifications go: the Bot API, the bot's token (a secret) and the allowed chats."""

    url: str
    token: inventory_mod.Secret = field(repr=False)
    chats: tuple[str, ...]
    summary_at: str = "08:00"
    lang: str = "fr"

    @property
    def base_url(self) -> str:
        """python-telegram-bot's base_url: the token is appended to it (`…/bot<token>/sendMessage`)."""
        return f"{self.url.rstrip('/')}/bot"

    def allows(self, chat: str | int) -> bool:
        return str(chat) in self.chats


class NotConfigured(Exception):
    """The inventory sets no `orion_telegram`: notifications are off, which is not an error."""


def channel(inv: inventory_mod.Inventory) -> Channel:
    """The inventory's Telegram channel. NotConfigured when it sets no `orion_telegram`; ConfigError naming the
    inventory when it sets one that cannot work (bad fields, no such service, no token)."""
    raw = _first(inv, "orion_telegram")
    if raw is None:
        raise NotConfigured(f"{inv.path} sets no orion_telegram (chats and service): notifications are off")
    try:
        spec = inventory_mod.TelegramSpec.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in ("orion_telegram", *error["loc"]))
        raise ConfigError(inv.path, None, f"{where}: {error['msg']}") from None
    found = inv.service(spec.service)
    if found is None:
        raise ConfigError(inv.path, None, f"orion_telegram.service: no orion_services entry {spec.service!r}")
    service = found[1]
    if service.token is None:
        raise ConfigError(inv.path, None, f"orion_services.{spec.service}: no token (the bot's token, a secret)")
    lang = str(_first(inv, "orion_lang") or "fr")
    return Channel(service.url, service.token, tuple(str(c) for c in spec.chats), spec.summary_at, lang)


def _first(inv: inventory_mod.Inventory, key: str) -> Any:
    """A setting of the whole inventory: the first host that has it (put it under `all.vars`)."""
    return next((h.hostvars[key] for h in inv.hosts.values() if key in h.hostvars), None)


@dataclass(frozen=True)
class Outgoing:
    """One message as the sender needs it (the outbox's entry, without its bookkeeping)."""

    chat: str
    text: str = ""
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data): one row each
    photo: Path | None = None  # then `text` is the photo's caption
    reply_to: int | None = None  # Telegram's message_id of the message this one answers (in the same chat)


class Sender:
    """Sends one message at a time through python-telegram-bot, and says what became of it."""

    def __init__(self, chan: Channel, *, connect_timeout: float = CONNECT_TIMEOUT_S,
                 read_timeout: float = READ_TIMEOUT_S) -> None:  # fmt: skip
        self.channel = chan
        self._timeouts = (connect_timeout, read_timeout)
        _mask_token_in_logs(chan.token.reveal())

    def send(self, message: Outgoing) -> Result:
        from telegram.warnings import PTBDeprecationWarning

        with warnings.catch_warnings():  # RetryAfter.retry_after: an int now, a timedelta in PTB's next major
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            return asyncio.run(self.send_async(message))

    def clean(self, text: str) -> str:
        """`text` as it may be kept or printed: redacted, and the token masked whatever its shape."""
        return redact.text(text.replace(self.channel.token.reveal(), redact.MASK))

    async def send_async(self, message: Outgoing) -> Result:
        """The same, inside an event loop (the bot's); `send` runs it in one of its own."""
        from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
        from telegram.constants import ParseMode
        from telegram.request import HTTPXRequest

        connect, read = self._timeouts
        request = HTTPXRequest(connect_timeout=connect, read_timeout=read, write_timeout=connect, pool_timeout=connect)
        bot = Bot(self.channel.token.reveal(), base_url=self.channel.base_url, request=request)
        markup = None
        if message.buttons:
            rows = [[InlineKeyboardButton(label, callback_data=data)] for label, data in message.buttons]
            markup = InlineKeyboardMarkup(rows)
        reply = None
        if message.reply_to is not None:
            reply = ReplyParameters(message.reply_to, allow_sending_without_reply=True)
        try:
            if message.photo is not None:
                with message.photo.open("rb") as photo:
                    sent = await bot.send_photo(message.chat, photo, caption=message.text or None,
                                                parse_mode=ParseMode.HTML, reply_markup=markup,
                                                reply_parameters=reply)  # fmt: skip
            else:
                sent = await bot.send_message(message.chat, message.text, parse_mode=ParseMode.HTML,
                                              reply_markup=markup, disable_web_page_preview=True,
                                              reply_parameters=reply)  # fmt: skip
        except Exception as exc:  # classified below; nothing of it leaves unredacted
            return self._classify(exc)
        finally:
            await request.shutdown()
        return Result(Status.DELIVERED, message_id=sent.message_id)

    def _classify(self, exc: Exception) -> Result:
        from telegram import error

        text = self.clean(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, error.RetryAfter):
            wait = exc.retry_after
            seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
            return Result(Status.RETRY, retry_after=float(seconds), error=text)
        if isinstance(exc, error.InvalidToken):
            return Result(Status.UNAUTHORIZED, error="the Bot API refused the token (401/404): check the inventory")
        if isinstance(exc, error.BadRequest | error.Forbidden):
            return Result(Status.REJECTED, error=text)
        if isinstance(exc, error.TimedOut | error.NetworkError):
            cause = exc.__cause__
            if isinstance(cause, _SENT_THEN_LOST):
                return Result(Status.UNCERTAIN, error=self.clean(f"{type(cause).__name__}: no answer after sending"))
            return Result(Status.RETRY, error=text)
        if isinstance(exc, OSError):  # the photo file could not be read: nothing was sent
            return Result(Status.REJECTED, error=text)
        # Anything else (an answer that cannot be parsed…) came after the request: it may have been shown.
        return Result(Status.UNCERTAIN, error=text)


class _MaskToken(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for token in self.tokens:
            text = text.replace(token, redact.MASK)
        record.msg, record.args = redact.text(text), None
        return True


_FILTER = _MaskToken()
#: A logger's filters see only what is logged on it, not what its children propagate: every one that logs.
_LOGGERS = ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "telegram", "telegram.Bot",
            "telegram.request", "telegram.request.BaseRequest", "telegram.request.HTTPXRequest")  # fmt: skip


def _mask_token_in_logs(token: str) -> None:
    """httpx logs every request's URL at INFO, and the Bot API's URLs hold the token."""
    _FILTER.tokens.add(token)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
