"""One question in, one answer out: the router first (the seed's questions and `status`, from real data, no model),
else the local model with the named tools within its budget, else "I don't know, here is what I checked".

`orion ask` and `orion bot` both answer through `answer()`."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from orion import inventory as inventory_mod
from orion import redact
from orion.assistant import llm, questions, router
from orion.assistant.answer import Answer
from orion.assistant.tools import Context, checks
from orion.assistant.tools.base import SourceDown
from orion.probes.ollama import PINNED_MODEL

HELP = {
    "fr": ["Je sais répondre, sans attendre le modèle, à :",
           "• Qu'est-ce qui a tourné cette nuit ?", "• Pourquoi le Pi 2 swap ?",
           "• Qu'est-ce qui consomme le plus d'espace sur le HDD ?",
           "• Qu'est-ce que j'ai à regarder ce soir sur le serveur média ?", "• Tout va bien ? (le dernier run)"],
    "en": ["I answer these without waiting on the model:", "• What ran last night?", "• Why is the Pi 2 swapping?",
           "• What takes the most space on the HDD?", "• What can I watch tonight on the media server?",
           "• Is everything OK? (the latest run)"],
}  # fmt: skip


@dataclass(frozen=True)
class Reply:
    text: str
    intent: str | None  # the routed intent, "llm", or None (not answered)
    lang: str
    seconds: float
    prompt_tokens: int = 0


def status(ctx: Context, lang: str) -> Answer:
    fr = lang == "fr"
    ans = Answer(lang, "status")
    try:
        res = checks.latest_run(ctx.state)
    except SourceDown as exc:
        ans.add(f"Aucun run : {exc.reason}" if fr else f"No run: {exc.reason}")
        return ans
    body = res.data
    s = body.get("summary") or {}
    failing: dict[str, list[str]] = {}
    for c in body.get("checks", []):
        if c.get("outcome") in ("failed", "error"):
            for req in c.get("req", []):
                failing.setdefault(req, []).append(str(c.get("message") or c.get("outcome"))[:120])
    ans.add(f"{'Dernier run' if fr else 'Latest run'} {body.get('run_id')} ({str(body.get('finished', ''))[:16]}) : "
            f"{s.get('passed', 0)} ok, {s.get('failed', 0)} {'en échec' if fr else 'failed'}, "
            f"{s.get('error', 0)} {'non observés' if fr else 'could not observe'}, {s.get('skipped', 0)} "
            f"{'ignorés' if fr else 'skipped'}")  # fmt: skip
    if not failing:
        ans.add("Tout est vert." if fr else "Everything is green.")
    for req, messages in sorted(failing.items()):
        ans.add(f"• {req} : {messages[0]}" if fr else f"• {req}: {messages[0]}")
    ans.cite(f"{res.source} ({ctx.state / 'runs' / 'latest.json'})")
    return ans


def routed(ctx: Context, route: router.Route) -> Answer:
    if route.intent == "night":
        return questions.night(ctx, route.lang)
    if route.intent == "swap":
        return questions.swap(ctx, route.lang, route.node)
    if route.intent == "disk":
        return questions.disk(ctx, route.lang)
    if route.intent == "media":
        return questions.media_tonight(ctx, route.lang)
    return status(ctx, route.lang)


def ollama_url(inv: inventory_mod.Inventory) -> str | None:
    found = inv.service("ollama")
    return found[1].url if found else None


def answer(question: str, ctx: Context, *, lang: str | None = None, use_llm: bool = True,
           deadline_s: float = llm.DEADLINE_S) -> Reply:  # fmt: skip
    started = time.monotonic()
    route = router.route(question, lang)
    if route.intent is not None:
        text = routed(ctx, route).text()
        prompt_tokens = 0
        url = ollama_url(ctx.inv)
        if use_llm and url and os.environ.get("ORION_ASSISTANT_REPHRASE") == "1":
            prompt_tokens = llm.estimate_tokens(llm.SYSTEM[route.lang] + text)
            text = llm.rephrase(text, route.lang, url=url, model=PINNED_MODEL) or text
        return Reply(text, route.intent, route.lang, time.monotonic() - started, prompt_tokens)
    url = ollama_url(ctx.inv) if use_llm else None
    outcome = llm.ask(ctx, question, route.lang, url=url, model=PINNED_MODEL, deadline_s=deadline_s) if url \
        else llm.Outcome(None, reason="no model configured" if use_llm else "model not used")  # fmt: skip
    if outcome.text:
        checked = "\n".join(f"• {c}" for c in outcome.checked)
        text = outcome.text + (f"\n\nSources :\n{checked}" if checked else "")
        return Reply(redact.text(text), "llm", route.lang, time.monotonic() - started, outcome.prompt_tokens)
    return Reply(dont_know(route.lang, outcome), None, route.lang, time.monotonic() - started, outcome.prompt_tokens)


def dont_know(lang: str, outcome: llm.Outcome) -> str:
    fr = lang == "fr"
    lines = ["Je ne sais pas, voici ce que j'ai vérifié :" if fr else "I don't know, here is what I checked:"]
    nothing = f"• rien : {outcome.reason}" if fr else f"• nothing: {outcome.reason}"
    lines += [f"• {c}" for c in outcome.checked] or [nothing]
    if outcome.checked and outcome.reason:
        lines.append(f"({outcome.reason})")
    lines += ["", *HELP[lang]]
    return redact.text("\n".join(lines))


def context(inventory_path: Path | None = None, state: Path | None = None) -> Context:
    from orion.state import state_dir

    return Context(inventory_mod.load(inventory_path), state_dir(state))
