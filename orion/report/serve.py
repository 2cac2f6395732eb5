"""`orion serve`: the status page over HTTP, for Caddy to put behind Authelia.

Orion answers only the addresses it is told to trust (`--allow`: Caddy's), so that the page cannot be read around
the reverse proxy and its two factors. Pages are built per request from the state dir; nothing is cached and
nothing is written. The standard library's threading server is enough for one reader behind a proxy.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from orion.remediate import runs
from orion.report import page, status_page
from orion.report.prefs import Thresholds

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: No script may run and nothing may be fetched: the pages are self-contained (inline style, inline SVG).
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


class Refused(ValueError):
    """A bad --listen or --allow value, said in one line."""


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` (or `[v6]:PORT`) → (host, port)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise Refused(f"--listen {value!r}: expected HOST:PORT, e.g. 0.0.0.0:8089")
    host = host.strip("[]") or "0.0.0.0"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise Refused(f"--listen {value!r}: the host must be an IP address") from None
    return host, int(port)


def parse_allow(values: Sequence[str]) -> list[Network]:
    """`--allow` values (addresses or networks) → networks; loopback only when none is given."""
    try:
        return [ipaddress.ip_network(v.strip(), strict=False) for v in values] or [
            ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]  # fmt: skip
    except ValueError as exc:
        raise Refused(f"--allow: {exc}") from None


def allowed(client: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(client.removeprefix("::ffff:"))
    except ValueError:
        return False
    return any(address in net for net in networks)


def routes(state: Path, lang: str, thresholds: Thresholds) -> dict[str, Callable[[], str | None]]:
    """Path → page builder (None: nothing to show, 404)."""

    def latest_run() -> str | None:
        record = runs.load(state, "latest")
        return page.build(state, record, lang=lang, thresholds=thresholds) if record else None

    return {
        "/": lambda: status_page.build(state, lang=lang, thresholds=thresholds),
        "/runs/latest": latest_run,
        "/healthz": lambda: "ok\n",
    }


def make_server(
    listen: tuple[str, int], networks: Sequence[Network], state: Path, lang: str, thresholds: Thresholds
) -> ThreadingHTTPServer:
    pages = routes(state, lang, thresholds)

    class Handler(BaseHTTPRequestHandler):
        server_version = "orion-status"
        sys_version = ""

        def do_GET(self) -> None:
            self._answer(body=True)

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def _answer(self, body: bool) -> None:
            if not allowed(self.client_address[0], networks):
                return self._send(403, "forbidden: this address may not read Orion's status\n", body)
            build = pages.get(self.path.split("?", 1)[0].rstrip("/") or "/")
            if build is None:
                return self._send(404, "not found\n", body)
            try:
                text = build()
            except Exception as exc:  # any failure of one page: a 500 and a log line, the server goes on
                self.log_message("page %s failed: %s", self.path, type(exc).__name__)
                return self._send(500, "Orion could not build this page; see its log\n", body)
            if text is None:
                return self._send(404, "no run record yet: run `orion check`\n", body)
            self._send(200, text, body, html=text.lstrip().startswith("<!DOCTYPE"))

        def _send(self, code: int, text: str, body: bool, html: bool = False) -> None:
            data = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", f"text/{'html' if html else 'plain'}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"orion serve: {self.client_address[0]} {format % args}\n")

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in listen[0] else socket.AF_INET
        daemon_threads = True

    return Server(listen, Handler)
