"""Ollama's HTTP API (https://github.com/ollama/ollama/blob/main/docs/api.md): the models it has (`GET /api/tags`)
and one short, non-streamed chat (`POST /api/chat`), timed against the inventory's timeout for the service."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from orion.outcomes import CannotObserve, SubjectDown
from orion.probes.http import ServiceClient

#: The model Orion's LLM uses (seed LLM-01: Phi-3 Mini, 4-bit), as Ollama names it; `phi3:mini` is Q4_0.
PINNED_MODEL = "phi3:mini"
#: A prompt that any model answers in a few tokens; `num_predict` bounds the answer whatever it says.
PROMPT = "Reply with the single word: ok"
MAX_TOKENS = 8


def canonical(name: str) -> str:
    """Ollama's model name: `phi3` means `phi3:latest`."""
    return name if ":" in name else f"{name}:latest"


def models(client: ServiceClient) -> list[str]:
    """The names of the models Ollama has (`/api/tags`), canonical."""
    body = client.json("/api/tags")
    listed = body.get("models") if isinstance(body, dict) else None
    if not isinstance(listed, list):
        raise CannotObserve(f"{client.service.name}: /api/tags has no `models` list")
    return sorted(canonical(str(m.get("name") or m.get("model") or "")) for m in listed if isinstance(m, dict))


@dataclass(frozen=True)
class Generation:
    status: int
    seconds: float
    done: bool
    text: str
    error: str

    @property
    def completed(self) -> bool:
        return self.status == 200 and self.done and bool(self.text.strip())


def generate(client: ServiceClient, model: str) -> Generation:
    """One short chat with `model`, not streamed. A timeout is the subject's failure here: the check asks that
    the generation complete within the service's timeout, so a model too slow to answer is what it looks for."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPT}],
        "stream": False,
        "options": {"num_predict": MAX_TOKENS, "temperature": 0},
    }
    started = time.monotonic()
    try:
        response = client.request("POST", "/api/chat", json=body)
    except CannotObserve as exc:
        if "timed out" in str(exc):
            where = f"POST {client.service.url}/api/chat"
            raise SubjectDown(client.service.name, f"no answer within {client.service.timeout:g} s", where) from None
        raise
    seconds = time.monotonic() - started
    data: Any = {}
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    return Generation(
        status=response.status_code,
        seconds=round(seconds, 2),
        done=bool(data.get("done")),
        text=str(message.get("content") or ""),
        error=str(data.get("error") or ""),
    )
