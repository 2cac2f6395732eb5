"""The LLM narrative on the lab's real model (llama-server with Gemma 3 270M behind the ollama-adapter stand-in),
through the `ollama` client and the lab's inventory: the plumbing, the limits and the validation, never the prose (a
270M base model's answer is often dropped, and that is the validation working). Then the model's container stopped:
the narrative is unavailable at once, with the reason, and the container comes back healthy."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest

from orion import inventory as inventory_mod
from orion import redact
from orion import state as state_mod
from orion.probes.ollama import PINNED_MODEL
from orion.report import narrative, narrative_check, narrative_prompt

pytestmark = pytest.mark.usefixtures("lab")

CONTAINER = "ollama-adapter"
TIMEOUT_S = 50
PLANTED = "lab-narrative-planted-Zq7RkW2m"  # a secret value, registered as the inventory registers its own


def record() -> dict[str, Any]:
    def failed(req: str, observed: str) -> dict[str, Any]:
        return {
            "nodeid": f"checks/lab/test_{req.lower().replace('-', '_')}.py::test_it", "req": [req],
            "host": "orion-cortex", "outcome": "failed", "duration_s": 0.3, "message": f"{req}: {observed}",
            "evidence": {"observed": f"{observed} token={PLANTED}", "expected": "running", "source": "lab"},
            "remediation": None, "cadence": "critical", "kind": "live",
        }  # fmt: skip

    checks = [failed("MAINT-04", "jellyfin-standin exited"), failed("MEDIA-01", "HTTP 503")]
    return {"schema": "orion.run/1", "run_id": "20261202T180000Z-labnar", "started": "2026-12-02T18:00:00.000Z",
            "finished": "2026-12-02T18:00:10.000Z", "inventory": None, "selection": [], "checks": checks}  # fmt: skip


@pytest.fixture(scope="module")
def inventory() -> inventory_mod.Inventory:
    return inventory_mod.load(state_mod.lab_inventory())


def ollama_url(inv: inventory_mod.Inventory) -> str:
    found = inv.service("ollama")
    assert found, "the lab inventory has no ollama service"
    return found[1].url


def test_the_lab_model_answers_a_narrative_request_within_the_limits(inventory, tmp_path: Path) -> None:
    redact.register(PLANTED)
    url = ollama_url(inventory)
    result = narrative.narrate(tmp_path, record(), inventory=inventory, lang="fr", timeout_s=TIMEOUT_S)
    # The model answered (its answer kept, or dropped by the checks), within the limits.
    assert result.text is not None or (result.reason or "").startswith("the model's answer was dropped"), result.reason
    assert 0 < result.prompt_tokens <= narrative_prompt.BUDGET and 0 < result.latency_s < TIMEOUT_S
    if result.text is not None:
        assert narrative_check.problems(result.text, reqs={"MAINT-04", "MEDIA-01"}, actions={"start-container"}) == []
    # What the model got: Orion's prompt, deterministic and bounded, with the planted secret masked.
    sent = httpx.get(url + "/_standin/requests", timeout=10, trust_env=False).json()["requests"][-1]["body"]
    assert sent["model"] == PINNED_MODEL and sent["stream"] is False
    assert sent["options"]["temperature"] == 0 and sent["options"]["num_predict"] == narrative.MAX_TOKENS
    assert "MAINT-04" in sent["messages"][1]["content"] and "MEDIA-01" in sent["messages"][1]["content"]
    assert PLANTED not in str(sent) and PLANTED not in (result.text or "") + (result.reason or "")


def test_with_the_model_stopped_the_narrative_is_unavailable_at_once(inventory, tmp_path: Path) -> None:
    container = docker.from_env().containers.get(CONTAINER)
    container.stop(timeout=10)
    try:
        started = time.monotonic()
        result = narrative.narrate(tmp_path, record(), inventory=inventory, lang="en", timeout_s=TIMEOUT_S)
        assert result.text is None and "refused the connection" in (result.reason or ""), result.reason
        assert time.monotonic() - started < 10
        assert narrative.unavailable("fr") and narrative.unavailable("en")
    finally:
        container.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            container.reload()
            if container.attrs["State"].get("Health", {}).get("Status") == "healthy":
                break
            time.sleep(1)
    assert container.attrs["State"]["Health"]["Status"] == "healthy", "the model's container did not come back"
