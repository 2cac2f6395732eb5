"""`orion bot`: Orion on Telegram (python-telegram-bot, long polling).

Only the allowlist answers: an update is handled when its chat AND its sender are in `orion_telegram.chats`
(in a private chat both are the owner's ID; in a group, list the group and each member who may ask). Anything
else is logged (IDs only) and dropped without a reply. Commands: /status, /report, /check, /why, /approve,
/lang, /help; the inline "approve" button of notifications (callback data `orion:approve:<ID>`, see
orion/report/notify.py); any other text is a question for orion.assistant.ask. Replies are plain text, split
into Telegram messages of at most 4096 characters. The Bot API's URL and token come from the inventory, as for
notifications (orion/report/telegram.py): the lab points them at its Telegram stand-in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from orion import redact
from orion.assistant import ask, commands
from orion.assistant.answer import split
from orion.assistant.tools import Context
from orion.report import telegram as telegram_mod

log = logging.getLogger("orion.bot")
CALLBACK_APPROVE = "orion:approve:"
POLL_INTERVAL_S = 1.0
POLL_TIMEOUT_S = 25


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact.text(record.getMessage())
        record.args = ()
        return True


class Bot:
    def __init__(self, ctx: Context, chan: telegram_mod.Channel) -> None:
        self.ctx = ctx
        self.chan = chan
        self.lang: dict[int, str] = {}

    def allowed(self, update: Update) -> bool:
        chat, user = update.effective_chat, update.effective_user
        return chat is not None and user is not None and self.chan.allows(chat.id) and self.chan.allows(user.id)

    def lang_of(self, update: Update) -> str:
        chat = update.effective_chat
        return self.lang.get(chat.id if chat else 0, self.chan.lang)

    async def gate(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.allowed(update):
            chat, user = update.effective_chat, update.effective_user
            log.warning("ignored update %s from user %s in chat %s: not in orion_telegram.chats", update.update_id,
                        user.id if user else None, chat.id if chat else None)  # fmt: skip
            raise ApplicationHandlerStop

    async def reply(self, update: Update, text: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        for part in split(redact.text(text)):
            await chat.send_message(part)

    def command(self, work: Callable[[Update, list[str], str], str]) -> Callable[..., Awaitable[None]]:
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            lang = self.lang_of(update)
            try:
                text = await asyncio.to_thread(work, update, list(context.args or []), lang)
            except Exception as exc:  # a reply, never a crash of the bot
                log.exception("command failed")
                text = f"Erreur : {exc}" if lang == "fr" else f"Error: {exc}"
            await self.reply(update, text)

        return handler

    async def question(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        reply = await asyncio.to_thread(ask.answer, message.text, self.fresh(), lang=None)
        log.info("question routed to %s in %.2f s", reply.intent, reply.seconds)
        await self.reply(update, reply.text)

    async def approve_button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or not (query.data or "").startswith(CALLBACK_APPROVE):
            return
        await query.answer()
        action = (query.data or "").removeprefix(CALLBACK_APPROVE)
        text = await asyncio.to_thread(commands.approve, self.fresh(), action, self.lang_of(update))
        await self.reply(update, text)

    def fresh(self) -> Context:
        return Context(self.ctx.inv, self.ctx.state)

    def set_lang(self, update: Update, args: list[str], lang: str) -> str:
        chosen = (args[0].lower() if args else "") or lang
        if chosen not in ("fr", "en"):
            return "Usage : /lang fr|en"
        if update.effective_chat is not None:
            self.lang[update.effective_chat.id] = chosen
        return "Réponses en français." if chosen == "fr" else "Answers in English."

    def application(self) -> Application:
        app = (Application.builder().token(self.chan.token.reveal()).base_url(self.chan.base_url)
               .base_file_url(f"{self.chan.url.rstrip('/')}/file/bot").build())  # fmt: skip
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        handlers: dict[str, Callable[[Update, list[str], str], str]] = {
            "start": lambda u, a, lang: commands.help_text(lang),
            "help": lambda u, a, lang: commands.help_text(lang),
            "status": lambda u, a, lang: commands.status(self.fresh(), lang),
            "report": lambda u, a, lang: commands.report(self.fresh(), lang),
            "check": lambda u, a, lang: commands.run_check(self.fresh(), a[0] if a else None, lang),
            "why": lambda u, a, lang: commands.why(self.fresh(), a[0] if a else "", lang),
            "approve": lambda u, a, lang: commands.approve(self.fresh(), a[0] if a else "", lang),
            "lang": self.set_lang,
        }
        for name, work in handlers.items():
            app.add_handler(CommandHandler(name, self.command(work)))
        app.add_handler(CallbackQueryHandler(self.approve_button, pattern=f"^{CALLBACK_APPROVE}"))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.question))
        app.add_error_handler(self.error)
        return app

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One line per error (Telegram unreachable, a reply that could not go): polling goes on by itself."""
        log.warning("telegram: %s: %s", type(context.error).__name__, context.error)


def run(inventory_path: Path | None, state: Path | None) -> None:
    """Poll Telegram until stopped (SIGINT/SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Redact())
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx = ask.context(inventory_path, state)
    try:
        chan = telegram_mod.channel(ctx.inv)
    except telegram_mod.NotConfigured as exc:
        from orion.errors import ConfigError

        raise ConfigError(ctx.inv.path, None, str(exc)) from None
    log.info("orion bot: polling %s for chats %s", chan.url, ", ".join(chan.chats))
    Bot(ctx, chan).application().run_polling(poll_interval=POLL_INTERVAL_S, timeout=POLL_TIMEOUT_S,
                                             allowed_updates=["message", "callback_query"])  # fmt: skip
