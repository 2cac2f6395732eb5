"""Fakes for the assistant's tests (no test here): HTTP servers on 127.0.0.1 answering as Prometheus, Loki,
Jellyfin, qBittorrent and Ollama do, and an inventory pointing at them."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

Route = Callable[[dict[str, str], dict[str, Any]], tuple[int, Any]]


class Fake:
    """One HTTP server: routes "METHOD /path" -> fn(query, json_body) -> (status, json). Records requests."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _go(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                fake.requests.append((method, url.path, query, body))
                route = fake.routes.get(f"{method} {url.path}")
                status, answer = route(query, body) if route else (404, {"error": "not found"})
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._go("GET")

            def do_POST(self) -> None:
                self._go("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def dead_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def prometheus(series: dict[str, list[tuple[dict[str, str], float]]]) -> Fake:
    """Answers /api/v1/query with the series listed for the exact query text (else an empty vector)."""

    def query(q: dict[str, str], _: Any) -> tuple[int, Any]:
        rows = series.get(q.get("query", ""), [])
        result = [{"metric": labels, "value": [1.0, str(value)]} for labels, value in rows]
        return 200, {"status": "success", "data": {"resultType": "vector", "result": result}}

    return Fake({"GET /api/v1/query": query})


def loki(streams: list[tuple[dict[str, str], list[tuple[int, str]]]]) -> Fake:
    """Answers query_range with every stream whose labels match the selector's `=` matchers, within the window."""
    import re

    def query_range(q: dict[str, str], _: Any) -> tuple[int, Any]:
        wanted = dict(re.findall(r'(\w+)="([^"]*)"', q.get("query", "")))
        regex = dict(re.findall(r'(\w+)=~"([^"]*)"', q.get("query", "")))
        start, end = int(q["start"]), int(q["end"])
        result = []
        for labels, lines in streams:
            if any(labels.get(k) != v for k, v in wanted.items()):
                continue
            if any(not re.fullmatch(v, labels.get(k, "")) for k, v in regex.items()):
                continue
            values = [[str(ts), line] for ts, line in lines if start <= ts <= end]
            if values:
                result.append({"stream": labels, "values": values})
        return 200, {"status": "success", "data": {"resultType": "streams", "result": result}}

    def labels(*_: Any) -> tuple[int, Any]:
        return 200, {"status": "success", "data": sorted({k for labels, _ in streams for k in labels})}

    return Fake({"GET /loki/api/v1/query_range": query_range, "GET /loki/api/v1/labels": labels})


def inventory(tmp: Path, **urls: str) -> Path:
    """An inventory whose synapse host has the given services (name=url); jellyfin gets an API key from a file."""
    key = tmp / "jellyfin_key"
    key.write_text("jf-secret-key-123")
    key.chmod(0o600)
    tg = tmp / "tg_token"
    tg.write_text("7123456789:AAHx9Qm2Lr7Tz4Kp8Vb3Nc6Yd1Wf5Hg0Js2Ue")
    tg.chmod(0o600)
    lines = []
    for name, url in urls.items():
        extra = ""
        if name == "jellyfin":
            extra = f", api_key: {{file: {key}}}"
        if name == "telegram":
            extra = f", token: {{file: {tg}}}"
        lines.append(f'            {name}: {{url: "{url}", timeout: 2{extra}}}')
    text = ("all:\n  vars:\n    orion_telegram: {chats: [100000001], service: telegram}\n  children:\n"
            "    synapse:\n      hosts:\n        orion-synapse:\n          ansible_host: 127.0.0.1\n"
            "          orion_node: synapse\n          orion_services:\n" + "\n".join(lines) + "\n")  # fmt: skip
    path = tmp / "inventory.yml"
    path.write_text(text)
    return path
