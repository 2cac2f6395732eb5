"""Benchmark: the assistant's routed answers, each question's latency and prompt tokens, against the homelab the
inventory points at (the lab's after `orion lab up`).

Budgets (issue 14): a routed answer comes in under 2 s without the model; a prompt is under 600 tokens. Without
the model a routed answer sends no prompt (0); the table also shows the prompt the model would get to rephrase
it (ORION_ASSISTANT_REPHRASE=1) and the first prompt of an open question (system, question, tool schemas).
Tokens are estimated (orion.assistant.llm.estimate_tokens: about 4 characters per token).
Run: `make bench` or `.venv/bin/python bench/assistant.py [--inventory PATH]`. Exit 1 when a budget is exceeded.
"""

from __future__ import annotations

import json
import sys
import time

from orion.assistant import ask, llm, tools
from orion.errors import ConfigError

QUESTIONS = [
    "Qu'est-ce qui a tourné cette nuit ?",
    "Pourquoi le Pi 2 swap ?",
    "Qu'est-ce qui consomme le plus d'espace sur le HDD ?",
    "Qu'est-ce que j'ai à regarder ce soir sur le serveur média ?",
    "What ran last night?",
    "Why is the Pi 2 swapping?",
    "What takes the most space on the HDD?",
    "What can I watch tonight on the media server?",
    "Tout va bien ?",
]
LATENCY_BUDGET_S = 2.0
PROMPT_BUDGET = 600


def main() -> int:
    path = sys.argv[sys.argv.index("--inventory") + 1] if "--inventory" in sys.argv else None
    try:
        ctx = ask.context(path)
    except ConfigError as exc:
        print(f"bench/assistant: no inventory to ask ({exc}): run `orion lab up` first")
        return 0
    over = 0
    print(f"{'question':<62} {'intent':<7} {'latency':>8} {'prompt':>6} {'rephrase':>8}  sources down")
    for question in QUESTIONS:
        started = time.monotonic()
        reply = ask.answer(question, ctx, use_llm=False)
        seconds = time.monotonic() - started
        rephrase = llm.estimate_tokens(llm.SYSTEM[reply.lang] + reply.text)
        down = reply.text.split("Sans réponse :" if reply.lang == "fr" else "Did not answer:")[1:]
        down_names = ",".join(
            line.split(":")[0].strip("• ") for line in "".join(down).splitlines() if line.startswith("•")
        )
        print(f"{question[:62]:<62} {reply.intent or '-':<7} {seconds:>7.2f}s {reply.prompt_tokens:>6} {rephrase:>8}  "
              f"{down_names or '-'}")  # fmt: skip
        over += seconds > LATENCY_BUDGET_S or reply.prompt_tokens > PROMPT_BUDGET
    open_prompt = llm.estimate_tokens(llm.SYSTEM["fr"] + "une question ouverte" + json.dumps(tools.schemas()))
    print(f"\nopen question, first prompt (system + question + {len(tools.FOR_MODEL)} tool schemas): "
          f"{open_prompt} tokens (system alone: {llm.estimate_tokens(llm.SYSTEM['fr'])})")  # fmt: skip
    over += open_prompt > PROMPT_BUDGET
    print(f"budgets: routed < {LATENCY_BUDGET_S:g} s, prompts < {PROMPT_BUDGET} tokens: "
          + ("met" if not over else f"{over} over"))  # fmt: skip
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
