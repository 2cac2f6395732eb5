"""echo-standin: the lab internet's "what is my IP" service (like ifconfig.me / ipinfo.io/ip).

``GET /`` -> the caller's source address as plain text; ``GET /json`` -> ``{"ip": ...}``. Through the VPN the
source is the VPN endpoint's NAT address; through a leak it is the gateway's own lab_wan address.
Every request is appended to ``$STANDIN_DATA/requests.jsonl`` (``GET /_standin/requests``), so a test
can also see who came by.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from standin import App, Request, Response, append_jsonl, json_response, read_jsonl, text_response


def build(product: str) -> App:
    app = App("echo-standin")
    log = Path(os.environ.get("STANDIN_DATA", "/tmp/echo")) / "requests.jsonl"

    @app.route("GET", "/")
    def plain(req: Request) -> Response:
        append_jsonl(log, {"time": time.time(), "ip": req.client, "path": "/"})
        return text_response(req.client + "\n")

    @app.route("GET", "/json")
    def as_json(req: Request) -> Response:
        append_jsonl(log, {"time": time.time(), "ip": req.client, "path": "/json"})
        return json_response({"ip": req.client})

    @app.route("GET", "/_standin/requests")
    def recorded(_: Request) -> Response:
        return json_response({"requests": read_jsonl(log)})

    return app
