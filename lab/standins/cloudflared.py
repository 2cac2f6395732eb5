"""cloudflared-standin: cloudflared's metrics server (readiness, the ingress it serves) and, for the lab, the edge.

Sources: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/monitor-tunnels/metrics/
and cloudflared's metrics/readiness.go (``GET /ready`` -> 200 ``{"status":200,"readyConnections":N,
"connectorId":...}`` only while an edge connection is up, else 503 with ``readyConnections: 0``); metrics/metrics.go
and orchestration/orchestrator.go ``GetVersionedConfigJSON`` (``GET /config`` -> ``{"version": N, "config":
{"ingress": [{"hostname", "path", "service", "originRequest"}...], "warp-routing": {}, "originRequest": {}}}``);
https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/configure-tunnels/local-management/
configuration-file/ (ingress rules matched in order on the hostname, the last a catch-all such as
``http_status:404``; ``originRequest.originServerName`` is the SNI sent to an https origin).

"Connected" is real: the stand-in keeps probing the lab's edge (``$EDGE``, host:port on lab_wan, the lab's
internet); when the container loses that network, readiness drops like cloudflared's would.

The ingress is read from ``$TUNNEL_CONFIG`` (default /etc/cloudflared/config.yml, the stack's file) at start, as
cloudflared reads its local config. A remotely managed tunnel gets its ingress pushed from Cloudflare's dashboard
instead, with a new version: ``PUT /_standin/remote-config {"ingress": [...]}`` stands for that push (``DELETE``
goes back to the local file).

The edge (``$EDGE_PORT``, default 8080, on every interface, so on lab_wan): what the Internet reaches of the
homelab. A request is matched against the ingress by its Host and forwarded as cloudflared forwards it (to an
https origin with the rule's originServerName as SNI; the lab's CA is not verified), with the
``Cf-Connecting-Ip`` header Cloudflare adds; ``http_status:N`` answers N; no match answers 404.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from standin import App, Request, Response, json_response, text_response

try:
    import yaml
except ImportError:  # python3-yaml is in the image
    yaml = None

HA_CONNECTIONS = 4
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer"}


def local_ingress(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The config file's ingress rules and default originRequest (empty when it cannot be read)."""
    try:
        doc = yaml.safe_load(path.read_text()) if yaml else None
    except (OSError, ValueError):
        doc = None
    doc = doc if isinstance(doc, dict) else {}
    rules = [r for r in doc.get("ingress") or [] if isinstance(r, dict)]
    return rules, dict(doc.get("originRequest") or {})


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule as cloudflared's /config serialises it."""
    return {
        "hostname": str(rule.get("hostname") or ""),
        "path": rule.get("path"),
        "service": str(rule.get("service") or ""),
        "originRequest": dict(rule.get("originRequest") or {}),
    }


def match(rules: list[dict[str, Any]], host: str) -> dict[str, Any] | None:
    """The first rule whose hostname is the request's (a rule without hostname matches every host)."""
    host = host.split(":")[0].lower()
    for rule in rules:
        name = str(rule.get("hostname") or "").lower()
        if not name or name == host or (name.startswith("*.") and host.endswith(name[1:])):
            return rule
    return None


def forward(rule: dict[str, Any], defaults: dict[str, Any], req: Request) -> Response:
    service = str(rule.get("service") or "")
    if service.startswith("http_status:"):
        code = int(service.split(":", 1)[1])
        return text_response(http.client.responses.get(code, ""), code)
    parts = urlsplit(service)
    origin = {**defaults, **(rule.get("originRequest") or {})}
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    headers = {k: v for k, v in req.headers.items() if k.lower() not in HOP_HEADERS}
    headers["Cf-Connecting-Ip"] = req.client
    headers["X-Forwarded-For"] = req.client
    headers["X-Forwarded-Proto"] = "https"
    try:
        raw = socket.create_connection((host, port), timeout=10)
        if parts.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sni = str(origin.get("originServerName") or req.headers.get("Host", host)).split(":")[0]
            raw = context.wrap_socket(raw, server_hostname=sni)
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.sock = raw
        path = req.path + (("?" + "&".join(f"{k}={v}" for k, vs in req.query.items() for v in vs)) if req.query else "")
        conn.request(req.method, path, body=req.body or None, headers=headers)
        answer = conn.getresponse()
        body = answer.read()
        kept = {k: v for k, v in answer.getheaders() if k.lower() not in HOP_HEADERS}
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return text_response(f"Bad gateway: the origin {service} did not answer ({exc})", 502)
    return Response(answer.status, body, kept)


def build(product: str) -> App:
    app = App("cloudflared-standin")
    edge = os.environ.get("EDGE", "echo:80")
    connector = str(uuid.uuid5(uuid.NAMESPACE_DNS, socket.gethostname()))
    state: dict[str, Any] = {"connections": 0, "remote": None, "version": 0}
    rules, defaults = local_ingress(Path(os.environ.get("TUNNEL_CONFIG", "/etc/cloudflared/config.yml")))
    lock = threading.Lock()

    def ingress() -> list[dict[str, Any]]:
        with lock:
            return state["remote"] if state["remote"] is not None else rules

    def probe() -> None:
        host, _, port = edge.rpartition(":")
        while True:
            try:
                with socket.create_connection((host, int(port)), timeout=2):
                    state["connections"] = HA_CONNECTIONS
            except OSError:
                state["connections"] = 0
            time.sleep(2)

    threading.Thread(target=probe, daemon=True).start()

    @app.route("GET", "/ready")
    def ready(_: Request) -> Response:
        n = state["connections"]
        code = 200 if n else 503
        return json_response({"status": code, "readyConnections": n, "connectorId": connector}, code)

    @app.route("GET", "/metrics")
    def metrics(_: Request) -> Response:
        body = (
            "# HELP cloudflared_tunnel_ha_connections Number of active ha connections\n"
            "# TYPE cloudflared_tunnel_ha_connections gauge\n"
            f"cloudflared_tunnel_ha_connections {state['connections']}\n"
        )
        return text_response(body, content_type="text/plain; version=0.0.4; charset=utf-8")

    @app.route("GET", "/config")
    def config(_: Request) -> Response:
        served = {"ingress": [_rule(r) for r in ingress()], "warp-routing": {}, "originRequest": defaults}
        return json_response({"version": state["version"], "config": served})

    @app.route("PUT", "/_standin/remote-config")
    def push(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("ingress"), list):
            return json_response({"error": 'expected {"ingress": [rules]}'}, 400)
        with lock:
            state["remote"] = [r for r in body["ingress"] if isinstance(r, dict)]
            state["version"] += 1
        return json_response({"version": state["version"]})

    @app.route("DELETE", "/_standin/remote-config")
    def unpush(_: Request) -> Response:
        with lock:
            state["remote"], state["version"] = None, 0
        return json_response({"version": 0})

    edge_app = App("cloudflare-edge-standin")

    @edge_app.route("*", r"/.*")
    def edge_request(req: Request) -> Response:
        rule = match(ingress(), req.headers.get("Host", ""))
        return forward(rule, defaults, req) if rule else text_response("Not Found", 404)

    port = int(os.environ.get("EDGE_PORT", "8080"))
    threading.Thread(target=serve_edge, args=(edge_app, port), daemon=True).start()
    return app


def serve_edge(app: App, port: int) -> None:
    """Serve the edge beside the metrics server (standin.serve is for the main thread: it sets a signal handler)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def version_string(self) -> str:
            return "cloudflare"

        def handle_any(self) -> None:
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
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

        def log_message(self, format: str, *args: Any) -> None:
            print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} edge {self.client_address[0]} {format % args}", flush=True)

    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    server.serve_forever()
