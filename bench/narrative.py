"""Benchmark: the LLM narrative. Prints the prompt's size for a run with 10 failures (goal: <= 600 tokens), in
French and English, by Orion's pessimistic estimate and, when the lab is up, by the lab model's own tokenizer; then
the narrative's latency on the lab model (real inference: llama-server with Gemma 3 270M behind the ollama-adapter
stand-in), its generation speed, and the model container's memory.

The token count needs nothing. The latency needs the lab up (`orion lab up`): without it that part is skipped,
saying so. It holds /tmp/orion-lab.lock while it asks the lab's model.
Run: `make bench`, or `.venv/bin/python bench/narrative.py [--reps N]`.
"""

from __future__ import annotations

import argparse
import fcntl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from orion import inventory as inventory_mod
from orion import state as state_mod
from orion.errors import ConfigError
from orion.probes.ollama import PINNED_MODEL
from orion.report import narrative, narrative_prompt

LOCK = Path("/tmp/orion-lab.lock")
CONTAINER = "ollama-adapter"
#: Ten failures as the lab shows them (evidence shapes from real runs), some with a remediation.
FAILURES = [
    ("MAINT-04", "orion-cortex", "jellyfin-standin: exited (0)", "running, healthy", "start-container"),
    ("MON-01", "orion-synapse", "node-exporter down: connection refused", "up", "start-monitoring"),
    ("TORR-01", "orion-cortex", "tunnel wg-gluetun: down", "up, routes via the tunnel", "restart-gateway"),
    ("TORR-02", "orion-cortex", "table inet gluetun: absent", "policy drop", "stop-qbittorrent"),
    ("SEC-01", "orion-cortex", "passwordauthentication yes", "no", "reconverge-ssh"),
    ("SEC-02", "orion-cortex", "INPUT policy ACCEPT, 0 rules", "policy DROP", "reconverge-firewall"),
    ("LLM-01", "orion-cortex", "[]", "contains phi3:mini", None),
    ("MEDIA-01", "orion-cortex", "HTTP 503", "HTTP 200", None),
    ("INFRA-01", "orion-cortex", "/mnt/hdd: not a mount point", "ext4 mounted", None),
    ("MON-03", "orion-synapse", "critical route: blackhole", "telegram", "reload-alertmanager"),
]


def ten_failures() -> dict[str, Any]:
    checks = []
    for req, host, observed, expected, remedy in FAILURES:
        checks.append({
            "nodeid": f"checks/bench/test_{req.lower().replace('-', '_')}.py::test_it", "req": [req], "host": host,
            "outcome": "failed", "duration_s": 0.5, "message": f"{req}: {observed}",
            "evidence": {"observed": observed, "expected": expected, "source": "bench"},
            "remediation": {"id": remedy, "status": "still-failing", "attempts": 1} if remedy else None,
            "cadence": "critical", "kind": "live",
        })  # fmt: skip
    checks.append({"nodeid": "checks/bench/test_ok.py::test_ok", "req": ["PROXY-01"], "host": "orion-cortex",
                   "outcome": "passed", "duration_s": 0.1, "message": "", "evidence": {}})  # fmt: skip
    return {"schema": "orion.run/1", "run_id": "20261202T180000Z-bench0", "started": "2026-12-02T18:00:00.000Z",
            "finished": "2026-12-02T18:00:30.000Z", "inventory": None, "selection": [], "checks": checks}  # fmt: skip


def lab_service() -> tuple[inventory_mod.Inventory | None, str]:
    """The lab's inventory and its Ollama URL, or None and why the lab part is skipped."""
    path = state_mod.lab_inventory()
    if not path.exists():
        return None, f"no lab inventory at {path} (`orion lab up` renders it)"
    try:
        inv = inventory_mod.load(path)
    except ConfigError as exc:
        return None, f"the lab inventory does not load: {exc}"
    found = inv.service("ollama")
    if found is None:
        return None, "the lab inventory has no ollama service"
    url = found[1].url
    try:
        httpx.get(url + "/api/version", timeout=3, trust_env=False).raise_for_status()
    except httpx.HTTPError as exc:
        return None, f"the lab's Ollama does not answer at {url} ({type(exc).__name__}): is the lab up?"
    return inv, url


def model_tokens(url: str, prompt: narrative_prompt.Prompt) -> int | None:
    """The prompt's size by the lab model's tokenizer (the adapter's /tokenize), messages summed."""
    total = 0
    for message in prompt.messages:
        try:
            answer = httpx.post(url + "/tokenize", json={"content": message["content"]}, timeout=30, trust_env=False)
            total += len(answer.json()["tokens"])
        except (httpx.HTTPError, ValueError, KeyError):
            return None
    return total


def memory() -> str:
    proc = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", CONTAINER],
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    return proc.stdout.strip() or f"(docker stats: {proc.stderr.strip()[:80]})"


def generation_speed(url: str) -> str:
    body = {"model": PINNED_MODEL, "messages": [{"role": "user", "content": "Count from one to forty in words."}],
            "stream": False, "options": {"num_predict": 128, "temperature": 0, "seed": 1}}  # fmt: skip
    answer = httpx.post(url + "/api/chat", json=body, timeout=300, trust_env=False).json()
    tokens, seconds = answer.get("eval_count", 0), answer.get("eval_duration", 0) / 1e9
    prompt_tps = answer.get("prompt_eval_count", 0) / max(answer.get("prompt_eval_duration", 0) / 1e9, 1e-9)
    return f"{tokens} tokens generated at {tokens / max(seconds, 1e-9):.1f} tok/s (prompt {prompt_tps:.0f} tok/s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="narratives timed on the lab model (default 3)")
    args = parser.parse_args()
    record = ten_failures()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        prompts = {lang: narrative_prompt.build(state, record, lang=lang, actions=[f[4] for f in FAILURES if f[4]])
                   for lang in ("fr", "en")}  # fmt: skip
        for lang, prompt in prompts.items():
            verdict = "ok" if prompt.tokens <= narrative_prompt.BUDGET else "OVER BUDGET"
            told = f"{len(prompt.told)} told, {prompt.left_out} left out, {len(prompt.text)} characters"
            print(f"prompt, 10 failures, {lang}: {prompt.tokens} tokens estimated "
                  f"(budget {narrative_prompt.BUDGET}, {verdict}); {told}")  # fmt: skip
        inv, url = lab_service()
        if inv is None:
            print(f"narrative latency: skipped: {url}")
            return 0
        with LOCK.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for lang, prompt in prompts.items():
                print(f"prompt, 10 failures, {lang}: {model_tokens(url, prompt)} tokens by the lab model's tokenizer")
            latencies, last = [], None
            for _ in range(args.reps):
                started = time.monotonic()
                last = narrative.narrate(state, record, inventory=inv, lang="fr", timeout_s=300)
                latencies.append(time.monotonic() - started)
            assert last is not None
            outcome = "valid" if last.text else f"dropped ({(last.reason or '')[:140]})"
            print(f"narrative latency on the lab model ({PINNED_MODEL} = Gemma 3 270M Q4_K_M, llama-server -t 1): "
                  f"median {statistics.median(latencies):.1f} s, max {max(latencies):.1f} s over {args.reps}; "
                  f"last one {outcome}")  # fmt: skip
            print(f"generation: {generation_speed(url)}")
            print(f"model container memory: {memory()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
