"""The LLM narrative: a few sentences about a run, written by the local model, checked, and sent after the digest.

The digest (orion.report.digest) is what a person can rely on; the narrative only retells it. So:
- the prompt holds only redacted, structured facts (orion.report.narrative_prompt), within 600 tokens;
- the model is reached through the ``ollama`` client at the inventory's ``ollama`` service, with the model Orion
  pins (``orion.probes.ollama.PINNED_MODEL``: Phi-3 Mini in production; the lab serves a small real model under
  that name), deterministic (temperature 0, a seed) and bounded (``MAX_TOKENS`` generated, ``timeout_s`` in all);
- the answer is checked (orion.report.narrative_check): a made-up requirement ID, an action outside the
  remediation catalogue, or a bad length, and it is dropped;
- nothing raises: a model down, slow or wrong gives ``Narrative(text=None, reason=…)``, and the sender says
  :func:`unavailable` in its place. The digest never waits for any of this.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import ollama

from orion import inventory as inventory_mod
from orion import redact
from orion.errors import ConfigError
from orion.probes.ollama import PINNED_MODEL
from orion.record import RunRecord
from orion.remediate import catalog as catalog_mod
from orion.report import narrative_check, narrative_prompt, prefs
from orion.report.prefs import Thresholds

SERVICE = "ollama"
TIMEOUT_S = 120.0
MAX_TOKENS = 160  # generated; MAX_CHARS (900) of French is about 250 tokens, so a complete answer fits well below
SEED = 7
CONTEXT = 2048  # the production Ollama's OLLAMA_CONTEXT_LENGTH
UNAVAILABLE = {
    "fr": "Résumé par l'IA indisponible pour cette exécution : le rapport ci-dessus fait foi.",
    "en": "AI summary not available for this run: the report above is the reference.",
}


@dataclass(frozen=True)
class Narrative:
    text: str | None  # the checked narrative, or None when it is not available
    reason: str | None  # why it is not available (None when text is set)
    prompt_tokens: int  # the prompt's size (estimated, pessimistic)
    latency_s: float  # from the request to the answer (0 when the model was not asked)


def unavailable(lang: str = "fr") -> str:
    """The sentence a report shows in place of a narrative that is not available."""
    return UNAVAILABLE.get(lang, UNAVAILABLE["fr"])


def narrate(
    state: Path,
    record: dict[str, Any] | RunRecord,
    *,
    inventory: inventory_mod.Inventory | Path | str | None,
    lang: str = "fr",
    timeout_s: float = TIMEOUT_S,
    catalog: catalog_mod.Catalog | None = None,
    thresholds: Thresholds | None = None,
    model: str = PINNED_MODEL,
) -> Narrative:
    """The narrative of ``record`` (a run record as in <state>/runs/<id>.json), in ``lang`` (fr or en).

    ``inventory`` gives the Ollama service and the alert thresholds (an Inventory, or its path: None resolves it
    as Orion does); ``thresholds`` overrides those. ``catalog`` is the remediation catalogue (remediations/ when
    None).
    """
    if isinstance(record, RunRecord):
        record = record.as_dict()
    try:
        inv = inventory if isinstance(inventory, inventory_mod.Inventory) else inventory_mod.load(inventory)
        service = _service(inv)
        actions = _actions(record, catalog)
        limits = thresholds or prefs.of(inv).thresholds
        prompt = narrative_prompt.build(state, record, lang=lang, actions=sorted(actions), thresholds=limits)
    except Exception as exc:  # a bad inventory, catalogue or record: the digest goes out regardless
        why = str(exc) if isinstance(exc, ConfigError | OSError | ValueError) else f"{type(exc).__name__}: {exc}"
        return Narrative(None, redact.text(f"the narrative cannot be prepared: {why}"), 0, 0.0)
    if not prompt.told and not prompt.left_out:
        return Narrative(
            None, "nothing to tell: no requirement failed, recovered or was remediated", prompt.tokens, 0.0
        )
    started = time.monotonic()
    answer, error = _ask(service, model, prompt.messages, timeout_s)
    latency = round(time.monotonic() - started, 3)
    if error is not None:
        return Narrative(None, redact.text(error), prompt.tokens, latency)
    assert answer is not None
    text = redact.text(str((answer.get("message") or {}).get("content") or "")).strip()
    found = narrative_check.problems(
        text, reqs=prompt.reqs, actions=actions, cut=answer.get("done_reason") == "length", quoted=prompt.titles
    )
    if found:
        return Narrative(None, "the model's answer was dropped: " + "; ".join(found), prompt.tokens, latency)
    return Narrative(text, None, prompt.tokens, latency)


def _service(inv: inventory_mod.Inventory) -> inventory_mod.Service:
    found = inv.service(SERVICE)
    if found is None:
        raise ValueError(f"{inv.path}: no `{SERVICE}` service under any host's orion_services")
    return found[1]


def _actions(record: dict[str, Any], catalog: catalog_mod.Catalog | None) -> set[str]:
    """The catalogue's entries for the requirements of this run: the only actions the narrative may name."""
    cat = catalog if catalog is not None else catalog_mod.load()
    reqs = narrative_prompt.run_reqs(record)
    return {entry.id for entry in cat if entry.req in reqs}


def _ask(
    service: inventory_mod.Service, model: str, messages: list[dict[str, str]], timeout_s: float
) -> tuple[dict[str, Any] | None, str | None]:
    """One non-streamed chat, within ``timeout_s`` in all: (the answer, None) or (None, why it failed)."""
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            options = {"temperature": 0, "seed": SEED, "num_predict": MAX_TOKENS, "num_ctx": CONTEXT}
            with ollama.Client(
                host=service.url, timeout=timeout_s, trust_env=False, verify=service.verify_tls
            ) as client:
                response = client.chat(model=model, messages=messages, stream=False, options=options)
            outcome["answer"] = response.model_dump()
        except Exception as exc:  # every failure of the model becomes a reason, none reaches the caller
            outcome["error"] = _why(exc, service.url, timeout_s)

    worker = threading.Thread(target=call, name="orion-narrative", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():  # a server that trickles bytes escapes httpx's per-read timeout, not this one
        return None, f"the model did not answer within {timeout_s:g} s ({service.url})"
    if "error" in outcome:
        return None, str(outcome["error"])
    return outcome["answer"], None


def _why(exc: Exception, url: str, timeout_s: float) -> str:
    reasons: dict[type[Exception], Callable[[Exception], str]] = {
        httpx.TimeoutException: lambda _: f"the model did not answer within {timeout_s:g} s",
        ConnectionError: lambda _: "the model's server refused the connection or is unreachable",
        httpx.ConnectError: lambda _: "the model's server refused the connection or is unreachable",
        ollama.ResponseError: lambda e: (
            f"the model's server answered HTTP {getattr(e, 'status_code', '?')}: {str(getattr(e, 'error', e))[:200]}"
        ),
        httpx.HTTPError: lambda e: f"the model's server failed: {type(e).__name__}: {str(e)[:200]}",
    }
    for kind, say in reasons.items():
        if isinstance(exc, kind):
            return f"{say(exc)} ({url})"
    return f"the model could not be asked: {type(exc).__name__}: {str(exc)[:200]} ({url})"
