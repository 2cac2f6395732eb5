"""loki-standin: the part of Grafana Loki's HTTP API that Orion's checks and the log shipper use.

Grafana Loki is not packaged in Debian (Debian's ``loki`` is an unrelated genetics tool), so the lab stands in.
Source: https://grafana.com/docs/loki/latest/reference/loki-http-api/ (``GET /ready``; ``POST
/loki/api/v1/push`` JSON ``{"streams": [{"stream": {labels}, "values": [["<ns>", "<line>"]]}]}`` -> 204;
``GET /loki/api/v1/labels`` and ``/label/<name>/values`` -> ``{"status": "success", "data": [...]}``;
``GET /loki/api/v1/query_range`` -> ``{"status": "success", "data": {"resultType": "streams", "result": [...]}}``).
Queries support a stream selector with ``=``, ``!=``, ``=~`` matchers and ``|=`` / ``!=`` line filters.
Entries persist in ``$STANDIN_DATA/entries.jsonl`` (on the HDD in the lab, like Loki's /loki) and are served from
memory; like Loki's retention, entries older than ``$STANDIN_RETENTION_HOURS`` (default 6) are dropped (from the
file when the stand-in starts, from memory as pushes arrive).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from standin import App, Request, Response, append_jsonl, json_response, read_jsonl, text_response

MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*')
FILTER = re.compile(r'(\|=|!=)\s*"((?:[^"\\]|\\.)*)"')


def parse_query(query: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """``{a="b", c=~"d.*"} |= "x"`` -> matchers and line filters; raises ValueError on anything else."""
    query = query.strip()
    if not query.startswith("{") or "}" not in query:
        raise ValueError("parse error: queries must start with a stream selector {...}")
    selector, rest = query[1:].split("}", 1)
    matchers = [m.groups() for m in MATCHER.finditer(selector)]
    if not matchers:
        raise ValueError("parse error: queries require at least one label matcher")
    filters = [(op, text) for op, text in FILTER.findall(rest)]
    if FILTER.sub("", rest).strip():
        raise ValueError(f"parse error: unsupported expression {rest.strip()!r} (loki-standin)")
    return matchers, filters


def _matches(labels: dict[str, str], matchers: list[tuple[str, str, str]]) -> bool:
    for name, op, value in matchers:
        have = labels.get(name, "")
        if (op == "=" and have != value) or (op == "!=" and have == value):
            return False
        if op == "=~" and not re.fullmatch(value, have):
            return False
    return True


def build(product: str) -> App:
    app = App("loki-standin")
    store = Path(os.environ.get("STANDIN_DATA", "/loki")) / "entries.jsonl"
    retention_ns = int(float(os.environ.get("STANDIN_RETENTION_HOURS", "6")) * 3600 * 10**9)
    lock = threading.Lock()
    held = [e for e in read_jsonl(store) if int(e["ts"]) >= time.time_ns() - retention_ns]
    if store.exists():
        store.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in held), encoding="utf-8")

    def entries() -> list[dict[str, Any]]:
        with lock:
            return list(held)

    @app.route("GET", "/ready")
    def ready(_: Request) -> Response:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return text_response(f"storage not ready: {exc.strerror}", 503)
        return text_response("ready")

    @app.route("GET", "/metrics")
    def metrics(_: Request) -> Response:  # Loki's own Prometheus metrics (a minimal subset)
        body = (
            '# TYPE loki_build_info gauge\nloki_build_info{version="standin"} 1\n'
            "# TYPE loki_distributor_lines_received_total counter\n"
            f"loki_distributor_lines_received_total {len(entries())}\n"
        )
        return text_response(body, content_type="text/plain; version=0.0.4; charset=utf-8")

    @app.route("POST", "/loki/api/v1/push")
    def push(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or "streams" not in body:
            return text_response("loki-standin accepts JSON pushes only", 400)
        pushed = [{"labels": stream.get("stream", {}), "ts": str(ts), "line": line}
                  for stream in body["streams"] for ts, line in stream.get("values", [])]  # fmt: skip
        with lock:
            for entry in pushed:
                append_jsonl(store, entry)
            held.extend(pushed)
            if held and int(held[0]["ts"]) < time.time_ns() - 2 * retention_ns:
                held[:] = [e for e in held if int(e["ts"]) >= time.time_ns() - retention_ns]
        return Response(204)

    @app.route("GET", "/loki/api/v1/labels")
    def labels(_: Request) -> Response:
        names = sorted({k for e in entries() for k in e["labels"]})
        return json_response({"status": "success", "data": names})

    @app.route("GET", r"/loki/api/v1/label/(?P<name>[^/]+)/values")
    def label_values(req: Request) -> Response:
        values = sorted({e["labels"][req.params["name"]] for e in entries() if req.params["name"] in e["labels"]})
        return json_response({"status": "success", "data": values})

    @app.route("GET", "/loki/api/v1/query_range")
    def query_range(req: Request) -> Response:
        try:
            matchers, filters = parse_query(req.arg("query") or "")
        except ValueError as exc:
            return text_response(str(exc), 400)
        now_ns = time.time_ns()
        start = int(req.arg("start") or now_ns - 3600 * 10**9)
        end = int(req.arg("end") or now_ns)
        limit = int(req.arg("limit") or 100)
        streams: dict[tuple[tuple[str, str], ...], list[list[str]]] = {}
        for e in entries():
            if not (start <= int(e["ts"]) <= end) or not _matches(e["labels"], matchers):
                continue
            if any((op == "|=") != (text in e["line"]) for op, text in filters):
                continue
            streams.setdefault(tuple(sorted(e["labels"].items())), []).append([e["ts"], e["line"]])
        result = [{"stream": dict(key), "values": sorted(vals, reverse=True)[:limit]} for key, vals in streams.items()]
        return json_response({"status": "success", "data": {"resultType": "streams", "result": result}})

    return app
