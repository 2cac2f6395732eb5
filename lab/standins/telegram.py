"""telegram-standin: the Telegram Bot API methods Orion uses, recording every message it accepts.

Source: https://core.telegram.org/bots/api#making-requests (``/bot<token>/METHOD``, JSON or form body,
response ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``),
#sendmessage (text 1-4096 characters after entities parsing), #formatting-options (HTML tags;
MarkdownV2 reserved characters), #getme, #getupdates and #responseparameters (429 ``retry_after``).

Tests read what was sent: ``GET /_standin/messages`` (``DELETE`` clears them). Messages are appended to
``$STANDIN_DATA/messages.jsonl``. ``POST /_standin/updates`` queues an update for getUpdates (for the bot).
``$TELEGRAM_RATE_PER_MIN`` (0 = off) answers 429 past that many messages per chat per minute.

Failure modes, to prove that a sender loses nothing (``POST /_standin/fail`` with a JSON object; ``GET`` shows
it and what it did, ``DELETE`` heals)::

    {"mode": "429", "retry_after": 2}    flood control: 429 with parameters.retry_after, nothing recorded
    {"mode": "500"}                      an internal error, nothing recorded
    {"mode": "hang", "hang_s": 30}       no answer for hang_s (the client times out), nothing recorded
    {"mode": "lost-reply", "hang_s": 30} the message IS recorded, then no answer: the reply is lost on the way
    optional: "count": N                 only the next N Bot API calls fail (default: until DELETE)
              "chat": "ID"               only sendMessage/sendPhoto to that chat fail (default: every call)

Telegram down (connection refused) is the stand-in stopped: ``docker stop telegram-standin`` in the lab, the
process killed in the unit tests; a mode cannot be that, since the same port answers this control endpoint.
``POST /_standin/limits`` ``{"min_interval_s": 1}`` answers 429 (retry_after 1) to a second message to the same
chat within that interval, as Telegram's flood control does for about one message per second per chat.
``sendPhoto`` (multipart, as a client uploads a file) records the photo's size and caption.
"""

from __future__ import annotations

import html
import os
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
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
MAX_CAPTION = 1024
FAIL_MODES = ("429", "500", "hang", "lost-reply")


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


def multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body: text as str, uploaded files as bytes."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        fields[str(name)] = payload if part.get_filename() else payload.decode("utf-8", errors="replace")
    return fields


def build(product: str) -> App:
    app = App("telegram-standin")
    token = secret("TELEGRAM_BOT_TOKEN")
    data = Path(os.environ.get("STANDIN_DATA", "/data"))
    log = data / "messages.jsonl"
    rate = int(os.environ.get("TELEGRAM_RATE_PER_MIN", "0") or 0)
    lock = threading.Lock()
    sent_at: dict[str, list[float]] = {}
    updates: list[dict[str, Any]] = []
    # Telegram's update IDs only ever grow: a bot keeps its offset across an API outage. Updates live in memory
    # here, so a restarted stand-in numbers them from the clock, past any offset a running bot still holds.
    counter = {"message_id": len(read_jsonl(log)), "update_id": int(time.time())}
    fail: dict[str, Any] = {}
    limits = {"min_interval_s": 0.0}
    bot = {"id": 7000000001, "is_bot": True, "first_name": "Orion", "username": "orion_lab_bot"}

    def error(code: int, description: str, **extra: Any) -> Response:
        return json_response({"ok": False, "error_code": code, "description": description, **extra}, code)

    def params(req: Request) -> dict[str, Any]:
        ctype = req.headers.get("Content-Type") or ""
        if "json" in ctype:
            body = req.json()
            return body if isinstance(body, dict) else {}
        if ctype.startswith("multipart/form-data"):
            return multipart(ctype, req.body)
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
        return accept("sendMessage", p, {"text": parsed})

    def send_photo(p: dict[str, Any]) -> Response:
        if p.get("chat_id") in (None, ""):
            return error(400, "Bad Request: chat_id is empty")
        photo = p.get("photo")
        if not isinstance(photo, bytes) or not photo:
            return error(400, "Bad Request: there is no photo in the request")
        caption = str(p.get("caption") or "")
        try:
            parsed = plain_text(caption, p.get("parse_mode"))
        except EntityError as exc:
            return error(400, f"Bad Request: can't parse entities: {exc}")
        if utf16_len(parsed) > MAX_CAPTION:
            return error(400, "Bad Request: message caption is too long")
        shown = {k: v for k, v in p.items() if k != "photo"} | {"photo_bytes": len(photo)}
        sizes = [{"file_id": f"photo-{counter['message_id'] + 1}", "file_unique_id": f"u{counter['message_id'] + 1}",
                  "width": 1280, "height": 720, "file_size": len(photo)}]  # fmt: skip
        return accept("sendPhoto", shown, {"caption": parsed, "photo": sizes})

    def accept(method: str, p: dict[str, Any], content: dict[str, Any]) -> Response:
        """Flood control, then record the message and answer it."""
        chat_id = p["chat_id"]
        now = time.time()
        with lock:
            recent = [t for t in sent_at.get(str(chat_id), []) if now - t < 60]
            if rate and len(recent) >= rate:
                retry = int(60 - (now - recent[0])) + 1
                return error(429, f"Too Many Requests: retry after {retry}", parameters={"retry_after": retry})
            if recent and now - recent[-1] < limits["min_interval_s"]:
                return error(429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
            sent_at[str(chat_id)] = [*recent, now]
            counter["message_id"] += 1
            message = {
                "message_id": counter["message_id"],
                "from": bot,
                "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id, "type": "private"},
                "date": int(now),
                **content,
            }
            append_jsonl(log, {"time": now, "method": method, "params": p, "message": message})
        return json_response({"ok": True, "result": message})

    def failure(name: str, p: dict[str, Any]) -> str | None:
        """The failure mode this call meets, if any (and count it)."""
        with lock:
            mode = fail.get("mode")
            if mode not in FAIL_MODES:
                return None
            if fail.get("chat") not in (None, "") and (
                name not in ("sendmessage", "sendphoto") or str(p.get("chat_id")) != str(fail["chat"])
            ):
                return None
            if fail.get("count") is not None:
                if fail["count"] <= 0:
                    return None
                fail["count"] -= 1
            fail["failed"] = int(fail.get("failed", 0)) + 1
            return str(mode)

    @app.route("*", r"/bot(?P<token>[^/]+)/(?P<method>\w+)")
    def method(req: Request) -> Response:
        if not token or req.params["token"] != token:
            return error(401, "Unauthorized")
        name = req.params["method"].lower()
        p = params(req) if name in ("sendmessage", "sendphoto") else {}
        mode = failure(name, p)
        if mode == "429":
            retry = int(fail.get("retry_after") or 1)
            return error(429, f"Too Many Requests: retry after {retry}", parameters={"retry_after": retry})
        if mode == "500":
            return error(500, "Internal Server Error")
        if mode == "hang":
            time.sleep(float(fail.get("hang_s") or 30))
            return error(504, "Gateway Timeout")
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
        if name in ("sendmessage", "sendphoto"):
            answer = send_message(p) if name == "sendmessage" else send_photo(p)
            if mode == "lost-reply":
                time.sleep(float(fail.get("hang_s") or 30))
            return answer
        if name == "getupdates":
            offset = int(params(req).get("offset") or 0)
            with lock:
                if offset:  # as Telegram does: updates before the offset are confirmed, and forgotten
                    updates[:] = [u for u in updates if u["update_id"] >= offset]
                pending = [u for u in updates if u["update_id"] >= offset]
            return json_response({"ok": True, "result": pending})
        if name in ("deletewebhook", "answercallbackquery", "setmycommands"):  # `orion bot`'s housekeeping calls
            return json_response({"ok": True, "result": True})
        return error(404, "Not Found")

    @app.route("GET", "/_standin/messages")
    def messages(_: Request) -> Response:
        return json_response({"messages": read_jsonl(log)})

    @app.route("DELETE", "/_standin/messages")
    def clear(_: Request) -> Response:
        with lock:
            log.unlink(missing_ok=True)
        return json_response({"cleared": True})

    @app.route("GET", "/_standin/fail")
    def show_fail(_: Request) -> Response:
        with lock:
            return json_response(dict(fail) or {"mode": "ok"})

    @app.route("POST", "/_standin/fail")
    def set_fail(req: Request) -> Response:
        body = req.json()
        keys = {"mode", "count", "retry_after", "hang_s", "chat"}
        if not isinstance(body, dict) or body.get("mode") not in FAIL_MODES or set(body) - keys:
            expected = f"expected {{mode: {'|'.join(FAIL_MODES)}}} and some of {sorted(keys - {'mode'})}"
            return json_response({"error": expected}, 400)
        with lock:
            fail.clear()
            fail.update(body, failed=0)
            return json_response(dict(fail))

    @app.route("DELETE", "/_standin/fail")
    def heal(_: Request) -> Response:
        with lock:
            fail.clear()
        return json_response({"mode": "ok"})

    @app.route("POST", "/_standin/limits")
    def set_limits(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or set(body) != {"min_interval_s"}:
            return json_response({"error": "expected {min_interval_s: seconds}"}, 400)
        with lock:
            limits["min_interval_s"] = float(body["min_interval_s"])
        return json_response(limits)

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
