"""ollama-adapter: a lab stand-in for Ollama's HTTP API in front of a real model served by llama.cpp's llama-server.

The inference is real (image ``orion-lab/llm``: Debian sid's llama-server with Gemma 3 270M Q4_K_M); only the API
is a stand-in, because llama-server does not serve Ollama's routes (``/api/tags``, ``/api/chat`` are 404 there).
This adapter speaks the part of Ollama's API that the ``ollama`` Python client and Orion's checks use, and forwards
generations to llama-server's OpenAI-compatible ``POST /v1/chat/completions``.

Source: https://github.com/ollama/ollama/blob/main/docs/api.md
  ``GET /``, ``GET /api/version``, ``GET /api/tags``, ``GET /api/ps``, ``POST /api/show``,
  ``POST /api/chat`` and ``POST /api/generate`` (``stream`` defaults to true: NDJSON chunks, the last with
  ``done: true``, ``done_reason`` and the durations in nanoseconds; an unknown model gives 404 ``{"error": …}``;
  ``raw`` sends the prompt as it is, without the chat template), ``POST /api/copy``, ``DELETE /api/delete`` and
  ``POST /api/pull``.
Ollama's ``options`` map to llama-server's parameters: ``temperature`` (default 0 here), ``seed`` (default
``$LLM_SEED``), ``num_predict`` (default ``$LLM_NUM_PREDICT``: a base model left unbounded runs to the end of its
context), ``top_k``, ``top_p``, ``min_p``, ``stop``, ``repeat_penalty``, ``presence_penalty``, ``frequency_penalty``.

The model is served as ``$LLM_MODEL``: the lab gives it the name Orion pins (``phi3:mini``) so that the checks
read the lab as they read production, while ``details`` (family, parameter size, quantization) tell the truth.

State (``$STANDIN_DATA/state.json``): the names the model has. A fault removes one with Ollama's own
``DELETE /api/delete {"model": …}`` (``/api/tags`` no longer lists it, generations get 404) and restores it with
``POST /api/copy`` from a name it saved, or ``POST /api/pull`` (instant: the weights never leave the image; only
``$LLM_MODEL`` can be pulled). Every name answers with the same weights.

Stand-in extras: ``GET /_standin/requests`` (every generation request, recorded to ``requests.jsonl``, so a lab
test can see what Orion sent), ``POST /tokenize`` (llama-server's tokenizer: ``{"content": …}`` → ``{"tokens": […]}``)
and ``GET /_standin/health`` (200 once llama-server has loaded the model: the container's health check).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin import App, Request, Response, State, append_jsonl, json_response, read_jsonl, serve, text_response

NAME = "ollama-adapter"  # the Server banner: a stand-in of Ollama's API (the inference behind it is real)
#: The Ollama release whose API this follows (the stack pins ollama/ollama:0.12.3).
VERSION = "0.12.3"
MODEL = os.environ.get("LLM_MODEL", "gemma3:270m")
UPSTREAM = os.environ.get("LLM_UPSTREAM", "http://127.0.0.1:8080")
SEED = int(os.environ.get("LLM_SEED", "42"))
NUM_PREDICT = int(os.environ.get("LLM_NUM_PREDICT", "256"))
TIMEOUT_S = float(os.environ.get("LLM_UPSTREAM_TIMEOUT", "600"))
DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": os.environ.get("LLM_FAMILY", "gemma3"),
    "families": [os.environ.get("LLM_FAMILY", "gemma3")],
    "parameter_size": os.environ.get("LLM_PARAMETER_SIZE", "268.10M"),
    "quantization_level": os.environ.get("LLM_QUANTIZATION", "Q4_K_M"),
}
#: Ollama option → llama-server parameter (same meaning).
_OPTIONS = {
    "temperature": "temperature",
    "seed": "seed",
    "num_predict": "max_tokens",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "stop": "stop",
    "repeat_penalty": "repeat_penalty",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
}
_NDJSON = {"Content-Type": "application/x-ndjson"}


class UpstreamError(Exception):
    """llama-server refused, failed or did not answer."""


def name_of(model: object) -> str:
    """Ollama's model name: ``gemma3`` means ``gemma3:latest``."""
    name = str(model or "").strip()
    return name if not name or ":" in name else f"{name}:latest"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())


def model_file() -> Path | None:
    path = os.environ.get("LLM_MODEL_FILE")
    return Path(path) if path and Path(path).exists() else None


def listing(name: str) -> dict[str, Any]:
    """One model of ``/api/tags``."""
    path = model_file()
    return {
        "name": name,
        "model": name,
        "modified_at": "2025-08-14T00:00:00Z",
        "size": path.stat().st_size if path else 0,
        "digest": os.environ.get("LLM_MODEL_SHA256", ""),
        "details": DETAILS,
    }


def sampling(options: object, max_tokens: int | None = None) -> dict[str, Any]:
    """llama-server's sampling parameters from Ollama's ``options``: deterministic unless asked otherwise."""
    params: dict[str, Any] = {"temperature": 0.0, "seed": SEED, "max_tokens": max_tokens or NUM_PREDICT}
    for key, value in (options if isinstance(options, dict) else {}).items():
        if key in _OPTIONS and value is not None:
            params[_OPTIONS[key]] = value
    if params["max_tokens"] is None or int(params["max_tokens"]) < 0:  # Ollama's -1: "until done"; bounded here
        params["max_tokens"] = NUM_PREDICT
    return params


def messages_of(body: dict[str, Any]) -> list[dict[str, str]]:
    """The chat messages of an ``/api/chat`` body (images and tool calls are not served)."""
    out = []
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            out.append({"role": str(message.get("role") or "user"), "content": str(message.get("content") or "")})
    return out


def prompt_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    """An ``/api/generate`` body as chat messages: its ``system`` then its ``prompt``."""
    out = [{"role": "system", "content": str(body["system"])}] if body.get("system") else []
    return [*out, {"role": "user", "content": str(body.get("prompt") or "")}]


def _post(path: str, payload: dict[str, Any], timeout: float = TIMEOUT_S) -> Any:
    request = urllib.request.Request(
        UPSTREAM + path, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise UpstreamError(
            f"llama-server {path}: HTTP {exc.code} {exc.read()[:300].decode(errors='replace')}"
        ) from exc
    except OSError as exc:
        raise UpstreamError(f"llama-server {path}: {exc}") from exc


def _route(what: dict[str, Any]) -> str:
    """Chat messages go through the chat template; a raw prompt (``/api/generate`` with ``raw``) does not."""
    return "/v1/chat/completions" if "messages" in what else "/v1/completions"


def _text(choice: dict[str, Any]) -> str:
    return str(choice.get("text") or (choice.get("message") or choice.get("delta") or {}).get("content") or "")


def complete(what: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """One non-streamed completion of ``what`` (``{"messages": …}`` or ``{"prompt": …}``):
    ``{"content", "done_reason", "prompt_n", "predicted_n", "prompt_ms", "predicted_ms"}``."""
    with _post(_route(what), {**what, **params}) as response:
        answer = json.load(response)
    choice = (answer.get("choices") or [{}])[0]
    return _outcome(_text(choice), choice.get("finish_reason"), answer)


def stream(what: dict[str, Any], params: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Pieces of text as llama-server streams them (SSE), then ``("", outcome)`` once it is done."""
    payload = {**what, **params, "stream": True, "stream_options": {"include_usage": True}}
    finish, last = None, {}
    with _post(_route(what), payload) as response:
        for raw in response:
            line = raw.decode("utf-8", errors="replace").strip()
            if not line.startswith("data:") or line == "data: [DONE]":
                continue
            event = json.loads(line[5:])
            last = {**last, **{k: v for k, v in event.items() if k in ("usage", "timings")}}
            for choice in event.get("choices") or []:
                piece = _text(choice)
                if piece:
                    yield piece, None
                finish = choice.get("finish_reason") or finish
    yield "", _outcome("", finish, last)


def _outcome(content: str, finish: object, answer: dict[str, Any]) -> dict[str, Any]:
    usage, timings = answer.get("usage") or {}, answer.get("timings") or {}
    return {
        "content": content,
        "done_reason": "length" if finish == "length" else "stop",
        "prompt_n": int(usage.get("prompt_tokens") or timings.get("prompt_n") or 0),
        "predicted_n": int(usage.get("completion_tokens") or timings.get("predicted_n") or 0),
        "prompt_ms": float(timings.get("prompt_ms") or 0.0),
        "predicted_ms": float(timings.get("predicted_ms") or 0.0),
    }


def final_fields(outcome: dict[str, Any], started: float) -> dict[str, Any]:
    """The counters and durations (nanoseconds) of Ollama's last chunk."""
    return {
        "done": True,
        "done_reason": outcome["done_reason"],
        "total_duration": int((time.monotonic() - started) * 1e9),
        "load_duration": 0,
        "prompt_eval_count": outcome["prompt_n"],
        "prompt_eval_duration": int(outcome["prompt_ms"] * 1e6),
        "eval_count": outcome["predicted_n"],
        "eval_duration": int(outcome["predicted_ms"] * 1e6),
    }


def build(product: str = NAME) -> App:
    app = App(f"{NAME} (stand-in)")
    data = Path(os.environ.get("STANDIN_DATA", "/data"))
    log = data / "requests.jsonl"
    state = State({"models": [MODEL]}, data)

    def present(model: object) -> bool:
        return name_of(model) in state.get()["models"]

    def requested(req: Request) -> tuple[dict[str, Any], Response | None]:
        """The JSON body and its model, or the error Ollama answers."""
        body = req.json()
        if not isinstance(body, dict) or not body.get("model"):
            return {}, json_response({"error": "model is required"}, 400)
        if not present(body["model"]):
            return body, json_response({"error": f"model '{body['model']}' not found"}, 404)
        return body, None

    def generation(req: Request, kind: str) -> Response:
        body, error = requested(req)
        if error:
            return error
        append_jsonl(log, {"time": time.time(), "path": req.path, "body": body})
        name = name_of(body["model"])
        if kind == "chat":
            what: dict[str, Any] = {"messages": messages_of(body)}
        elif body.get("raw"):  # Ollama's raw mode: the prompt as it is, no template
            what = {"prompt": str(body.get("prompt") or "")}
        else:
            what = {"messages": prompt_messages(body)}
        if kind == "generate" and not body.get("prompt") and not body.get("system"):  # Ollama: load the model only
            return json_response(
                {"model": name, "created_at": now(), "response": "", "done": True, "done_reason": "load"}
            )
        params = sampling(body.get("options"))
        started = time.monotonic()

        def chunk(text: str) -> dict[str, Any]:
            head = {"model": name, "created_at": now()}
            return (
                {**head, "message": {"role": "assistant", "content": text}}
                if kind == "chat"
                else {**head, "response": text}
            )

        try:
            if body.get("stream") is False:
                outcome = complete(what, params)
                return json_response({**chunk(outcome["content"]), **final_fields(outcome, started)})
            pieces = stream(what, params)
            first = next(pieces)  # reach llama-server before the 200 goes out, so that its failure is a 500
        except UpstreamError as exc:
            return json_response({"error": str(exc)}, 500)

        def lines() -> Iterator[bytes]:
            try:
                for piece, outcome in _chain(first, pieces):
                    out = (
                        {**chunk(""), **final_fields(outcome, started)} if outcome else {**chunk(piece), "done": False}
                    )
                    yield json.dumps(out).encode() + b"\n"
            except (UpstreamError, OSError, ValueError) as exc:  # as Ollama does mid-stream: an error line
                yield json.dumps({"error": f"llama-server: {exc}"}).encode() + b"\n"

        # serve() writes any iterable chunk by chunk: the pieces go out as llama-server produces them.
        return Response(200, headers=_NDJSON, stream=lines())  # type: ignore[arg-type]

    @app.route("GET", "/")
    def root(_: Request) -> Response:
        return text_response("Ollama is running")

    @app.route("GET", "/api/version")
    def version(_: Request) -> Response:
        return json_response({"version": VERSION})

    @app.route("GET", "/api/tags")
    def tags(_: Request) -> Response:
        return json_response({"models": [listing(name) for name in state.get()["models"]]})

    @app.route("GET", "/api/ps")
    def ps(_: Request) -> Response:
        running = [{**listing(n), "expires_at": "2318-01-01T00:00:00Z", "size_vram": 0} for n in state.get()["models"]]
        return json_response({"models": running})

    @app.route("POST", "/api/show")
    def show(req: Request) -> Response:
        _, error = requested(req)
        if error:
            return error
        return json_response({
            "modelfile": f"# {NAME}: served by llama-server from {model_file() or 'the image'}\nFROM {MODEL}\n",
            "parameters": f"temperature 0\nseed {SEED}\nnum_predict {NUM_PREDICT}",
            "template": "(llama-server --chat-template-file: Gemma turns)",
            "details": DETAILS,
            "model_info": {"general.architecture": DETAILS["family"]},
            "capabilities": ["completion"],
            "modified_at": "2025-08-14T00:00:00Z",
        })  # fmt: skip

    @app.route("POST", "/api/chat")
    def chat(req: Request) -> Response:
        return generation(req, "chat")

    @app.route("POST", "/api/generate")
    def generate(req: Request) -> Response:
        return generation(req, "generate")

    @app.route("DELETE", "/api/delete")
    def delete(req: Request) -> Response:
        body = req.json()
        name = name_of(body.get("model") or body.get("name")) if isinstance(body, dict) else ""
        if not name:
            return json_response({"error": "model is required"}, 400)

        def drop(s: dict[str, Any]) -> bool:
            found = name in s["models"]
            s["models"] = [m for m in s["models"] if m != name]
            return found

        return Response(200) if state.change(drop) else json_response({"error": f"model '{name}' not found"}, 404)

    @app.route("POST", "/api/copy")
    def copy(req: Request) -> Response:
        body = req.json()
        source = name_of(body.get("source")) if isinstance(body, dict) else ""
        destination = name_of(body.get("destination")) if isinstance(body, dict) else ""
        if not source or not destination:
            return json_response({"error": "source and destination are required"}, 400)
        if not present(source):
            return json_response({"error": f"model '{source}' not found"}, 404)
        state.change(lambda s: s["models"].append(destination) if destination not in s["models"] else None)
        return Response(200)

    @app.route("POST", "/api/pull")
    def pull(req: Request) -> Response:
        body = req.json()
        name = name_of(body.get("model") or body.get("name")) if isinstance(body, dict) else ""
        if not name:
            return json_response({"error": "model is required"}, 400)
        if name != name_of(MODEL):  # nothing is downloaded: only the model in the image can come back
            return json_response({"error": "pull model manifest: file does not exist"}, 500)
        state.change(lambda s: s["models"].append(name) if name not in s["models"] else None)
        if body.get("stream") is False:
            return json_response({"status": "success"})
        steps = [{"status": "pulling manifest"}, {"status": "verifying sha256 digest"}, {"status": "success"}]
        return Response(200, headers=_NDJSON, stream=[json.dumps(step).encode() + b"\n" for step in steps])

    @app.route("POST", "/tokenize")
    def tokenize(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("content"), str):
            return json_response({"error": 'expected {"content": "<text>"}'}, 400)
        try:
            with _post("/tokenize", {"content": body["content"]}, timeout=30) as response:
                return json_response(json.load(response))
        except UpstreamError as exc:
            return json_response({"error": str(exc)}, 500)

    @app.route("GET", "/_standin/health")
    def health(_: Request) -> Response:
        try:
            with urllib.request.urlopen(UPSTREAM + "/health", timeout=5) as response:
                return json_response({"llama-server": json.load(response)})
        except (OSError, ValueError) as exc:
            return json_response({"llama-server": f"not ready: {exc}"}, 503)

    @app.route("GET", "/_standin/requests")
    def recorded(_: Request) -> Response:
        return json_response({"requests": read_jsonl(log)})

    return app


def _chain(
    first: tuple[str, dict[str, Any] | None], rest: Iterator[tuple[str, dict[str, Any] | None]]
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    yield first
    yield from rest


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Ollama API in front of llama-server (lab stand-in).")
    parser.add_argument("--port", type=int, default=11434)
    args = parser.parse_args()
    serve(build(), args.port)


if __name__ == "__main__":
    main()
