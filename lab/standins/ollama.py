"""ollama-standin: Ollama's native API with a deterministic canned reply, clearly marked as a stand-in.

Source: https://github.com/ollama/ollama/blob/main/docs/api.md (``GET /api/version``, ``GET /api/tags``,
``POST /api/chat`` with ``stream`` defaulting to true: NDJSON chunks, the last with ``done: true`` and the
durations in nanoseconds; an unknown model gives 404 ``{"error": ...}``).

Every chat request is recorded to ``$STANDIN_DATA/requests.jsonl``; ``GET /_standin/requests`` returns them.

State (``$STANDIN_DATA/state.json``): the models it has. ``/api/tags`` and ``/api/chat`` answer from it; a fault
deletes the model with Ollama's own ``DELETE /api/delete {"model": …}`` and heals with ``POST /api/pull``
(instant here: nothing is downloaded).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from standin import App, Request, Response, State, append_jsonl, json_response, read_jsonl, text_response

VERSION = "0.6.5"
MODEL = os.environ.get("OLLAMA_STANDIN_MODEL", "phi3:mini")
REPLY = "[ollama-standin] This is a canned reply from the lab stand-in, not a model."


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


def _name(model: object) -> str:
    """Ollama's model name: ``phi3`` means ``phi3:latest``."""
    name = str(model or "")
    return name if not name or ":" in name else f"{name}:latest"


def _model(name: str) -> dict:
    """One model of ``/api/tags``."""
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": 2176178913,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": name.split(":")[0],
            "families": [name.split(":")[0]],
            "parameter_size": "3.8B",
            "quantization_level": "Q4_0",
        },
    }


def build(product: str) -> App:
    app = App("ollama-standin")
    data = Path(os.environ.get("STANDIN_DATA", "/data"))
    log = data / "requests.jsonl"
    state = State({"models": [MODEL]}, data)

    @app.route("GET", "/")
    def root(_: Request) -> Response:
        return text_response("Ollama is running")

    @app.route("GET", "/api/version")
    def version(_: Request) -> Response:
        return json_response({"version": VERSION})

    @app.route("GET", "/api/tags")
    def tags(_: Request) -> Response:
        return json_response({"models": [_model(name) for name in state.get()["models"]]})

    @app.route("DELETE", "/api/delete")
    def delete(req: Request) -> Response:
        body = req.json()
        name = _name(body.get("model") or body.get("name")) if isinstance(body, dict) else ""
        if not name:
            return json_response({"error": "model is required"}, 400)

        def drop(s: dict) -> bool:
            found = name in s["models"]
            s["models"] = [m for m in s["models"] if m != name]
            return found

        return Response(200) if state.change(drop) else json_response({"error": f"model '{name}' not found"}, 404)

    @app.route("POST", "/api/pull")
    def pull(req: Request) -> Response:
        body = req.json()
        name = _name(body.get("model") or body.get("name")) if isinstance(body, dict) else ""
        if not name:
            return json_response({"error": "model is required"}, 400)
        state.change(lambda s: s["models"].append(name) if name not in s["models"] else None)
        if body.get("stream") is False:
            return json_response({"status": "success"})
        steps = [{"status": "pulling manifest"}, {"status": "verifying sha256 digest"}, {"status": "success"}]
        lines = [json.dumps(step).encode() + b"\n" for step in steps]
        return Response(200, headers={"Content-Type": "application/x-ndjson"}, stream=lines)

    @app.route("POST", "/api/chat")
    def chat(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not body.get("model"):
            return json_response({"error": "model is required"}, 400)
        append_jsonl(log, {"time": time.time(), "path": "/api/chat", "body": body})
        if _name(body["model"]) not in state.get()["models"]:
            return json_response({"error": f'model "{body["model"]}" not found, try pulling it first'}, 404)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages") or [])
        final = {
            "model": _name(body["model"]),
            "created_at": _now(),
            "message": {"role": "assistant", "content": REPLY},
            "done_reason": "stop",
            "done": True,
            "total_duration": 1_000_000,
            "load_duration": 100_000,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 500_000,
            "eval_count": len(REPLY.split()),
            "eval_duration": 400_000,
        }
        if body.get("stream") is False:
            return json_response(final)
        chunk = {
            "model": _name(body["model"]),
            "created_at": _now(),
            "message": {"role": "assistant", "content": REPLY},
            "done": False,
        }
        last = {**final, "message": {"role": "assistant", "content": ""}}
        lines = [json.dumps(c).encode() + b"\n" for c in (chunk, last)]
        return Response(200, headers={"Content-Type": "application/x-ndjson"}, stream=lines)

    @app.route("GET", "/_standin/requests")
    def recorded(_: Request) -> Response:
        return json_response({"requests": read_jsonl(log)})

    return app
