"""The lab's ollama-adapter (lab/standins/ollama_adapter.py), run as the llm image runs it, in front of a fake
llama-server on 127.0.0.1: the real `ollama` client lists, shows, chats (streamed and not) and generates through
it; the model deleted through Ollama's API is gone from /api/tags and refused, and comes back by copy or pull."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import ollama
import pytest

from orion import PROJECT_ROOT

ADAPTER = PROJECT_ROOT / "lab" / "standins" / "ollama_adapter.py"
MODEL = "phi3:mini"
PIECES = ["Bon", "jour", " !"]


class Upstream:
    """A fake llama-server: /health, /tokenize and /v1/chat/completions (SSE when streamed), recording bodies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._json({"status": "ok"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                upstream.bodies.append(body)
                if self.path == "/tokenize":
                    self._json({"tokens": list(range(len(body["content"].split())))})
                    return
                usage = {"prompt_tokens": 12, "completion_tokens": 3}
                timings = {"prompt_n": 12, "prompt_ms": 60.0, "predicted_n": 3, "predicted_ms": 75.0}
                if self.path == "/v1/completions":  # a raw prompt: the text, no template
                    choice = {"text": " Paris.", "finish_reason": "stop"}
                    self._json({"choices": [choice], "usage": usage, "timings": timings})
                    return
                if not body.get("stream"):
                    choice = {"message": {"role": "assistant", "content": "".join(PIECES)}, "finish_reason": "stop"}
                    self._json({"choices": [choice], "usage": usage, "timings": timings})
                    return
                events = [{"choices": [{"delta": {"content": p}, "finish_reason": None}]} for p in PIECES]
                events.append({"choices": [{"delta": {}, "finish_reason": "length"}], "timings": timings})
                events.append({"choices": [], "usage": usage})
                data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _json(self, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    up = Upstream()
    yield up
    up.server.shutdown()


@pytest.fixture
def adapter(upstream: Upstream, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "LLM_MODEL": MODEL,
        "LLM_UPSTREAM": upstream.url,
        "STANDIN_DATA": str(tmp_path),
        "LLM_SEED": "42",
    }
    proc = subprocess.Popen([sys.executable, str(ADAPTER), "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/api/version", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def client(url: str) -> ollama.Client:
    return ollama.Client(host=url, timeout=10, trust_env=False)


def test_the_client_sees_the_model_and_its_true_details(adapter: str) -> None:
    c = client(adapter)
    assert httpx.get(adapter + "/api/version").json() == {"version": "0.12.3"}
    assert [m.model for m in c.list().models] == [MODEL]
    details = c.show(MODEL).details
    assert details and details.family == "gemma3" and details.quantization_level == "Q4_K_M"
    assert httpx.get(adapter + "/").text == "Ollama is running"
    assert "stand-in" in httpx.get(adapter + "/api/tags").headers["server"]


def test_a_chat_is_forwarded_deterministic_and_answered_as_ollama_does(adapter: str, upstream: Upstream) -> None:
    reply = client(adapter).chat(model=MODEL, messages=[{"role": "user", "content": "Salut"}], stream=False)
    assert reply.message.content == "Bonjour !" and reply.done and reply.done_reason == "stop"
    assert reply.prompt_eval_count == 12 and reply.eval_count == 3 and reply.eval_duration == 75_000_000
    sent = upstream.bodies[-1]
    assert sent["messages"] == [{"role": "user", "content": "Salut"}]
    assert sent["temperature"] == 0.0 and sent["seed"] == 42 and sent["max_tokens"] == 256


def test_a_streamed_chat_comes_as_ndjson_chunks_then_done(adapter: str, upstream: Upstream) -> None:
    options = {"num_predict": 3, "temperature": 0.5, "seed": 1}
    chunks = list(client(adapter).chat(model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True,
                                       options=options))  # fmt: skip
    assert [c.message.content for c in chunks[:-1]] == PIECES and not any(c.done for c in chunks[:-1])
    assert chunks[-1].done and chunks[-1].done_reason == "length" and chunks[-1].eval_count == 3
    sent = upstream.bodies[-1]
    assert sent["stream"] is True and (sent["max_tokens"], sent["temperature"], sent["seed"]) == (3, 0.5, 1)


def test_generate_maps_system_and_prompt_to_chat_messages(adapter: str, upstream: Upstream) -> None:
    answer = client(adapter).generate(model=MODEL, prompt="Dis bonjour", system="Sois bref")
    assert answer.response == "Bonjour !" and answer.done
    assert upstream.bodies[-1]["messages"] == [
        {"role": "system", "content": "Sois bref"},
        {"role": "user", "content": "Dis bonjour"},
    ]
    assert client(adapter).generate(model=MODEL, prompt="").done_reason == "load"  # Ollama's "load the model"
    raw = client(adapter).generate(model=MODEL, prompt="The capital of France is", raw=True)
    assert raw.response == " Paris." and upstream.bodies[-1]["prompt"] == "The capital of France is"


def test_a_deleted_model_is_gone_and_refused_until_copied_back_or_pulled(adapter: str) -> None:
    c = client(adapter)
    c.copy(MODEL, "saved:mini")
    c.delete(MODEL)
    assert [m.model for m in c.list().models] == ["saved:mini"]
    with pytest.raises(ollama.ResponseError) as refused:
        c.chat(model=MODEL, messages=[{"role": "user", "content": "x"}])
    assert refused.value.status_code == 404
    c.copy("saved:mini", MODEL)
    c.delete("saved:mini")
    assert [m.model for m in c.list().models] == [MODEL]
    c.delete(MODEL)
    assert c.pull(MODEL, stream=False).status == "success"
    assert [m.model for m in c.list().models] == [MODEL]
    with pytest.raises(ollama.ResponseError):
        c.pull("llama3:70b", stream=False)  # nothing is downloaded: only the model of the image comes back


def test_requests_are_recorded_and_the_tokenizer_is_reachable(adapter: str) -> None:
    client(adapter).chat(model=MODEL, messages=[{"role": "user", "content": "trace me"}], stream=False)
    recorded = httpx.get(adapter + "/_standin/requests").json()["requests"]
    assert recorded[-1]["body"]["messages"][0]["content"] == "trace me"
    assert httpx.post(adapter + "/tokenize", json={"content": "a b c"}).json() == {"tokens": [0, 1, 2]}
    assert httpx.get(adapter + "/_standin/health").status_code == 200


def test_llama_server_down_is_a_500_and_an_unhealthy_adapter(tmp_path: Path) -> None:
    port, dead = free_port(), f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "LLM_MODEL": MODEL, "LLM_UPSTREAM": dead, "STANDIN_DATA": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, str(ADAPTER), "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                health = httpx.get(url + "/_standin/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert health.status_code == 503
        with pytest.raises(ollama.ResponseError) as failed:
            client(url).chat(model=MODEL, messages=[{"role": "user", "content": "x"}], stream=False)
        assert failed.value.status_code == 500 and "llama-server" in str(failed.value)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_llm_image_is_the_one_built_from_the_sid_base() -> None:
    from orion.lab import images

    assert images.base_of("llm") == "orion-lab/base:sid" and images.BASES["orion-lab/base:sid"] == "sid"
    assert all(images.base_of(name) == images.BASE for name in images.image_names() if name != "llm")
    assert (images.IMAGES_DIR / "llm" / images.FETCH).is_file()


def test_the_chat_template_writes_gemma_turns_with_the_system_text_in_the_first_user_turn() -> None:
    import jinja2

    template = (PROJECT_ROOT / "lab" / "images" / "llm" / "gemma-turn.jinja").read_text()
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi "},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Status?"},
    ]
    text = (
        jinja2.Environment()
        .from_string(template)
        .render(messages=messages, bos_token="<bos>", add_generation_prompt=True)
    )
    assert text == (
        "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n"
        "<start_of_turn>user\nStatus?<end_of_turn>\n<start_of_turn>model\n"
    )
