"""A tiny stdlib HTTP framework shared by the lab stand-ins.

Every stand-in is named ``<product>-standin``: the ``Server`` header says so, so nobody mistakes it for
the real product. Handlers take a :class:`Request` and return a :class:`Response`; unknown paths get 404.

A stand-in answers from a :class:`State` that a fault can change (a library removed, a model deleted, the
service unhealthy): through the product's own API where it has one, else through ``/_standin/state``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One HTTP request as the handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Any  # email.message.Message: case-insensitive .get()
    body: bytes
    client: str
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def arg(self, name: str) -> str | None:
        """A query-string argument."""
        values = self.query.get(name)
        return values[0] if values else None

    def cookie(self, name: str) -> str | None:
        """A cookie value from the ``Cookie`` header."""
        for part in (self.headers.get("Cookie") or "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass
class Response:
    """Status, body and headers to send."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: list[bytes] | None = None  # chunks sent one by one (NDJSON streaming)


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return Response(status, json.dumps(obj).encode(), hdrs)


def text_response(text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> Response:
    """A text response."""
    return Response(status, text.encode(), {"Content-Type": content_type})


Handler = Callable[[Request], Response]


class App:
    """Routes ``(method, regex)`` to handlers; named groups become ``request.params``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register a handler for ``method`` and a full-match regex on the path."""

        def register(handler: Handler) -> Handler:
            self.routes.append((method, re.compile(pattern), handler))
            return handler

        return register

    def dispatch(self, request: Request) -> Response:
        """Call the matching handler: 404 for an unknown path, 405 for a known path with another method."""
        known_path = False
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if not match:
                continue
            known_path = True
            if method in (request.method, "*"):
                request.params = match.groupdict()
                return handler(request)
        if known_path:
            return text_response("Method Not Allowed", 405)
        return text_response("Not Found", 404)


def serve(app: App, port: int, host: str = "0.0.0.0") -> None:
    """Serve ``app`` forever on ``host:port``, logging one line per request."""

    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return app.name

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, url.path, parse_qs(url.query), self.headers, body, self.client_address[0])
            try:
                response = app.dispatch(request)
            except Exception as exc:  # a stand-in bug must show as a 500, not kill the server
                response = text_response(f"{app.name}: internal error: {exc}", 500)
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            if response.stream is not None:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in response.stream:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

        def log_message(self, format: str, *args: Any) -> None:
            sys.stdout.write(
                f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {app.name} {self.client_address[0]} {format % args}\n"
            )

    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    # As PID 1 in a container SIGTERM has no default action: exit on it so `docker stop` is immediate.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"{app.name} listening on {host}:{port}", flush=True)
    server.serve_forever()


def secret(name: str, default: str | None = None) -> str | None:
    """A secret from ``$NAME`` or from the file named by ``$NAME_FILE``."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path and Path(path).exists():
        return Path(path).read_text().strip()
    return default


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON record to a JSON-lines file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON-lines file (empty when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class State:
    """What a stand-in answers from, which a fault can change.

    Kept in ``<data>/state.json`` when ``data`` is given (it survives a restart, as the product's own data
    would, and a fault script may edit it with ``docker exec``), else in memory (a restart resets it).
    """

    def __init__(self, defaults: dict[str, Any], data: Path | str | None = None) -> None:
        self._defaults = copy.deepcopy(defaults)
        self._path = Path(data) / "state.json" if data else None
        self._memory = copy.deepcopy(defaults)
        self._lock = threading.Lock()

    def get(self) -> dict[str, Any]:
        """A copy of the current state."""
        with self._lock:
            return self._read()

    def change(self, edit: Callable[[dict[str, Any]], Any]) -> Any:
        """Apply ``edit`` to the state (in place) and keep the result; returns what ``edit`` returned."""
        with self._lock:
            state = self._read()
            result = edit(state)
            self._write(state)
            return result

    def _read(self) -> dict[str, Any]:
        if self._path is None:
            return copy.deepcopy(self._memory)
        try:
            stored = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        return {**copy.deepcopy(self._defaults), **(stored if isinstance(stored, dict) else {})}

    def _write(self, state: dict[str, Any]) -> None:
        if self._path is None:
            self._memory = copy.deepcopy(state)
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        tmp.replace(self._path)


def admin(app: App, state: State, keys: set[str]) -> None:
    """The stand-in's own admin endpoints, for what the product's API cannot change (its health):
    ``GET /_standin/state`` shows the state; ``PATCH /_standin/state`` with a JSON object sets some of ``keys``."""

    @app.route("GET", "/_standin/state")
    def show(_: Request) -> Response:
        return json_response(state.get())

    @app.route("PATCH", "/_standin/state")
    def patch(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not body or set(body) - keys:
            return json_response({"error": f"expected a JSON object with some of {sorted(keys)}"}, 400)
        return json_response(state.change(lambda s: s.update(body) or s))
