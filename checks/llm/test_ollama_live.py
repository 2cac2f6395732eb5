"""LLM-01, live: Ollama on cortex has the pinned model (its own `/api/tags`) and completes a short generation with
it within the timeout the inventory gives the service (`orion_services.ollama.timeout`)."""

import pytest

from orion.expect import expect_contains, expect_that
from orion.probes.ollama import PINNED_MODEL, generate, models

pytestmark = [pytest.mark.req("LLM-01"), pytest.mark.critical, pytest.mark.live]


def test_ollama_has_the_pinned_model(http):
    expect_contains(models(http("ollama")), PINNED_MODEL, "Ollama does not have the pinned model")


def test_a_short_generation_completes_within_its_timeout(http):
    ollama = http("ollama")
    answer = generate(ollama, PINNED_MODEL)
    expect_that(answer.completed, f"{PINNED_MODEL} did not complete a short generation",
                observed={"status": answer.status, "done": answer.done, "seconds": answer.seconds,
                          "answer": answer.text[:80], "error": answer.error},
                expected=f"HTTP 200, done, a non-empty answer within {ollama.service.timeout:g} s")  # fmt: skip
