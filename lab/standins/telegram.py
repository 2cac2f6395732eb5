"""telegram-standin: the Telegram Bot API methods Orion uses, recording every message it accepts.

Source: https://core.telegram.org/bots/api#making-requests (``/bot<token>/METHOD``, JSON or form body,
response ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``),
#sendmessage (text 1-4096 characters after entities parsing), #formatting-options (HTML tags;
MarkdownV2 reserved characters), #getme, #getupdates and #responseparameters (429 ``retry_after``).

Tests read what was sent: ``GET /_standin/messages`` (``DELETE`` clears them). Messages are appended to
``$STANDIN_DATA/messages.jsonl``. ``POST /_standin/updates`` queues an update for getUpdates (for the bot).
``$TELEGRAM_RATE_PER_MIN`` (0 = off) answers 429 past that many messages per chat per minute.
"""

from __future__ import annotations

import html
import os
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from standin import App, Request, Response, append_jsonl, json_response, read_jsonl, secret

MAX_LEN = 4096
HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


class EntityError(ValueError):
    """The text's markup cannot be parsed (Telegram: "can't parse entities")."""


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}" at byte offset {self.getpos()[1]}')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1] if self.stack else tag}"'
            )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text after entity parsing, as Telegram counts it; raises EntityError on bad markup."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        if "<" in text.replace("&lt;", "") and text.count("<") != text.count(">"):
            raise EntityError("Unexpected end of name token")
        parser = _HtmlText()
        parser.feed(text)
        parser.close()
        if parser.stack:
            raise EntityError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
        return html.unescape("".join(parser.parts))
    if mode == "markdownv2":
        out, escaped = [], False
        for ch in text:
            if escaped:
                out.append(ch)
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch in "*_~`|":
                continue  # formatting markers
            elif ch in MDV2_RESERVED:
                raise EntityError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
            else:
                out.append(ch)
        return "".join(out)
    return text


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def build(product: str) -> App:
    app = App("telegram-standin")
    token = secret("TELEGRAM_BOT_TOKEN")
    data = Path(os.environ.get("STANDIN_DATA", "/data"))
    log = data / "messages.jsonl"
    rate = int(os.environ.get("TELEGRAM_RATE_PER_MIN", "0") or 0)
    lock = threading.Lock()
    sent_at: dict[str, list[float]] = {}
    updates: list[dict[str, Any]] = []
    counter = {"message_id": len(read_jsonl(log)), "update_id": 100000}
    bot = {"id": 7000000001, "is_bot": True, "first_name": "Orion", "username": "orion_lab_bot"}

    def error(code: int, description: str, **extra: Any) -> Response:
        return json_response({"ok": False, "error_code": code, "description": description, **extra}, code)

    def params(req: Request) -> dict[str, Any]:
        ctype = req.headers.get("Content-Type") or ""
        if "json" in ctype:
            body = req.json()
            return body if isinstance(body, dict) else {}
        merged = {k: v[0] for k, v in req.query.items()}
        merged.update({k: v[0] for k, v in parse_qs(req.body.decode(errors="replace")).items()})
        return merged

    def send_message(p: dict[str, Any]) -> Response:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            return error(400, "Bad Request: chat_id is empty")
        text = str(p.get("text") or "")
        try:
            parsed = plain_text(text, p.get("parse_mode"))
        except EntityError as exc:
            return error(400, f"Bad Request: can't parse entities: {exc}")
        if not parsed.strip():
            return error(400, "Bad Request: message text is empty")
        if utf16_len(parsed) > MAX_LEN:
            return error(400, "Bad Request: message is too long")
        now = time.time()
        with lock:
            recent = [t for t in sent_at.get(str(chat_id), []) if now - t < 60]
            if rate and len(recent) >= rate:
                retry = int(60 - (now - recent[0])) + 1
                return error(429, f"Too Many Requests: retry after {retry}", parameters={"retry_after": retry})
            sent_at[str(chat_id)] = [*recent, now]
            counter["message_id"] += 1
            message = {
                "message_id": counter["message_id"],
                "from": bot,
                "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id, "type": "private"},
                "date": int(now),
                "text": parsed,
            }
            append_jsonl(log, {"time": now, "method": "sendMessage", "params": p, "message": message})
        return json_response({"ok": True, "result": message})

    @app.route("*", r"/bot(?P<token>[^/]+)/(?P<method>\w+)")
    def method(req: Request) -> Response:
        if not token or req.params["token"] != token:
            return error(401, "Unauthorized")
        name = req.params["method"].lower()
        if name == "getme":
            return json_response(
                {
                    "ok": True,
                    "result": {
                        **bot,
                        "can_join_groups": True,
                        "can_read_all_group_messages": False,
                        "supports_inline_queries": False,
                    },
                }
            )
        if name == "sendmessage":
            return send_message(params(req))
        if name == "getupdates":
            offset = int(params(req).get("offset") or 0)
            with lock:
                pending = [u for u in updates if u["update_id"] >= offset]
            return json_response({"ok": True, "result": pending})
        return error(404, "Not Found")

    @app.route("GET", "/_standin/messages")
    def messages(_: Request) -> Response:
        return json_response({"messages": read_jsonl(log)})

    @app.route("DELETE", "/_standin/messages")
    def clear(_: Request) -> Response:
        with lock:
            log.unlink(missing_ok=True)
        return json_response({"cleared": True})

    @app.route("POST", "/_standin/updates")
    def push_update(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            return json_response({"error": "expected a JSON update object"}, 400)
        with lock:
            counter["update_id"] += 1
            update = {"update_id": counter["update_id"], **body}
            updates.append(update)
        return json_response(update)

    return app
