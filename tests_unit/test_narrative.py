"""The LLM narrative through the real `ollama` client against a fake Ollama on 127.0.0.1: the model down, slow,
answering with made-up requirement IDs or an action outside the remediation catalogue, or well; French and English;
and no planted secret ever in what is sent to the model or in what comes back."""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orion import redact
from orion.inventory import Host, Inventory, Service
from orion.probes.ollama import PINNED_MODEL
from orion.report import narrative, narrative_prompt
from orion.report.narrative import Narrative, narrate

REQS = ["MAINT-04", "MON-01", "TORR-01", "TORR-02", "SEC-01", "SEC-02", "LLM-01", "MEDIA-01", "INFRA-01", "MON-03"]


def check(req: str, outcome: str = "failed", observed: Any = "jellyfin exited (137)", **extra: Any) -> dict[str, Any]:
    return {
        "nodeid": f"checks/x/test_{req.lower().replace('-', '_')}.py::test_it",
        "req": [req],
        "host": "orion-cortex",
        "outcome": outcome,
        "duration_s": 0.2,
        "message": f"{req}: something is wrong",
        "evidence": {"observed": observed, "expected": "running", "source": "docker inspect jellyfin"},
        "remediation": extra.pop("remediation", None),
        "cadence": "critical",
        "kind": "live",
        **extra,
    }


def record(failures: int = 2, **overrides: Any) -> dict[str, Any]:
    checks = [check(req) for req in REQS[:failures]] + [check("PROXY-01", "passed", observed=None)]
    return {
        "schema": "orion.run/1",
        "run_id": "20261202T180000Z-abcdef",
        "started": "2026-12-02T18:00:00.000Z",
        "finished": "2026-12-02T18:00:20.000Z",
        "inventory": None,
        "selection": [],
        "checks": checks,
        **overrides,
    }


@dataclass
class FakeOllama:
    """What the fake answers `/api/chat` with, and what it was sent."""

    reply: str = "MAINT-04 est en échec : le conteneur jellyfin est arrêté, et MON-01 aussi."
    delay_s: float = 0.0
    status: int = 200
    done_reason: str = "stop"
    echo: bool = False  # answer with the prompt itself (what a model that repeats its input would send back)
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOllama]:
    fake = FakeOllama()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            fake.received.append(body)
            time.sleep(fake.delay_s)
            if fake.status != 200:
                self._send(fake.status, {"error": f"model '{body.get('model')}' not found"})
                return
            content = "\n".join(m["content"] for m in body["messages"]) if fake.echo else fake.reply
            self._send(200, {
                "model": body["model"], "created_at": "2026-12-02T18:00:21Z",
                "message": {"role": "assistant", "content": content}, "done": True, "done_reason": fake.done_reason,
                "prompt_eval_count": 100, "eval_count": 40,
            })  # fmt: skip

        def _send(self, status: int, obj: dict[str, Any]) -> None:
            data = json.dumps(obj).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (the slow case)
                pass

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()


@pytest.fixture
def llm(fake: FakeOllama) -> Iterator[FakeOllama]:
    """The module's fake, reset to a well-behaved model for each test."""
    for key, value in FakeOllama(url=fake.url).__dict__.items():
        if key != "received":
            setattr(fake, key, value)
    fake.received.clear()
    yield fake


def inventory_at(url: str) -> Inventory:
    host = Host("orion-cortex", "cortex", "127.0.0.1", services={"ollama": Service("ollama", url, timeout=30)})
    return Inventory(Path("/lab/inventory.yml"), {"orion-cortex": host})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_valid_answer_is_the_narrative(llm: FakeOllama, tmp_path: Path) -> None:
    result = narrate(tmp_path, record(), inventory=inventory_at(llm.url), lang="fr")
    assert result == Narrative(llm.reply, None, result.prompt_tokens, result.latency_s)
    assert 0 < result.prompt_tokens <= narrative_prompt.BUDGET and result.latency_s >= 0
    sent = llm.received[-1]
    assert sent["model"] == PINNED_MODEL and sent["stream"] is False
    assert sent["options"]["temperature"] == 0 and sent["options"]["num_predict"] == narrative.MAX_TOKENS
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


@pytest.mark.parametrize(
    ("lang", "words"), [("fr", ["Nouveaux échecs", "en français"]), ("en", ["New failures", "in English"])]
)
def test_the_prompt_is_in_the_report_language(llm: FakeOllama, tmp_path: Path, lang: str, words: list[str]) -> None:
    llm.reply = "MAINT-04 is failing: the jellyfin container has stopped, and so has MON-01."
    assert narrate(tmp_path, record(), inventory=inventory_at(llm.url), lang=lang).text == llm.reply
    prompt = "\n".join(m["content"] for m in llm.received[-1]["messages"])
    assert all(word in prompt for word in words)


def test_the_model_down_gives_no_narrative_and_says_why(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: connection refused
    result = narrate(tmp_path, record(), inventory=inventory_at(url), timeout_s=5)
    assert result.text is None and result.reason and "refused the connection" in result.reason
    assert result.prompt_tokens > 0


def test_a_slow_model_is_given_up_at_the_timeout(llm: FakeOllama, tmp_path: Path) -> None:
    llm.delay_s = 3.0
    started = time.monotonic()
    result = narrate(tmp_path, record(), inventory=inventory_at(llm.url), timeout_s=0.5)
    assert time.monotonic() - started < 2.5
    assert result.text is None and result.reason and "did not answer within 0.5 s" in result.reason


def test_a_model_error_gives_no_narrative(llm: FakeOllama, tmp_path: Path) -> None:
    llm.status = 404
    result = narrate(tmp_path, record(), inventory=inventory_at(llm.url))
    assert result.text is None and result.reason and "HTTP 404" in result.reason and "not found" in result.reason


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("MAINT-04 est en échec, et MAINT-99 aussi depuis hier soir.", "did not check: MAINT-99"),
        ("MAINT-04 is failing, and so is BACKUP-03 since last night.", "did not check: BACKUP-03"),
        ("MAINT-04 est en échec. Redémarrez le serveur pour corriger cela.", "outside the catalogue"),
        ("MAINT-04 is failing. Run `docker restart jellyfin` to fix it.", "proposes a command"),
        ("MAINT-04 is failing. Apply the remediation wipe-the-disk now, it is safe.", "outside the catalogue"),
        ("MAINT-04.", "too short"),
        ("MAINT-04 est en échec. " * 60, "too long"),
    ],
)
def test_an_invalid_answer_is_dropped(llm: FakeOllama, tmp_path: Path, reply: str, why: str) -> None:
    llm.reply = reply
    result = narrate(tmp_path, record(), inventory=inventory_at(llm.url))
    assert result.text is None and result.reason and why in result.reason
    assert result.reason.startswith("the model's answer was dropped")


def test_an_answer_cut_at_the_token_limit_is_dropped(llm: FakeOllama, tmp_path: Path) -> None:
    llm.done_reason = "length"
    result = narrate(tmp_path, record(), inventory=inventory_at(llm.url))
    assert result.text is None and result.reason and "cut at the generation limit" in result.reason


def test_a_catalogue_remediation_may_be_named(llm: FakeOllama, tmp_path: Path) -> None:
    llm.reply = "MAINT-04 est en échec ; la remédiation start-container peut relancer jellyfin si vous la confirmez."
    result = narrate(tmp_path, record(), inventory=inventory_at(llm.url))
    assert result.text == llm.reply, result.reason


def test_repeating_a_requirement_title_is_not_proposing_its_words(llm: FakeOllama, tmp_path: Path) -> None:
    llm.reply = "MAINT-04 (Restart automatique conteneurs/services down) est en échec : jellyfin est arrêté."
    assert narrate(tmp_path, record(), inventory=inventory_at(llm.url)).text == llm.reply
    llm.reply = "MAINT-04 est en échec. Restart automatique du Pi conseillé."
    assert narrate(tmp_path, record(), inventory=inventory_at(llm.url)).text is None


def test_a_green_run_asks_nothing(llm: FakeOllama, tmp_path: Path) -> None:
    result = narrate(tmp_path, record(failures=0), inventory=inventory_at(llm.url))
    assert result.text is None and result.reason and "nothing to tell" in result.reason and not llm.received


def test_a_run_record_object_is_read_as_its_json(llm: FakeOllama, tmp_path: Path) -> None:
    from orion.outcomes import Outcome
    from orion.record import CheckResult, RunRecord

    run = RunRecord("20261202T180000Z-abcdef", "2026-12-02T18:00:00.000Z", None, [], "2026-12-02T18:00:20.000Z")
    run.checks.append(CheckResult("checks/x/test_m.py::test_it", ["MAINT-04"], "orion-cortex", Outcome.FAILED))
    run.checks.append(CheckResult("checks/x/test_n.py::test_it", ["MON-01"], "orion-cortex", Outcome.FAILED))
    assert narrate(tmp_path, run, inventory=inventory_at(llm.url)).text == llm.reply


def test_a_malformed_record_gives_a_reason_not_an_exception(llm: FakeOllama, tmp_path: Path) -> None:
    result = narrate(tmp_path, {"checks": [None, 3]}, inventory=inventory_at(llm.url))
    assert result.text is None and (result.reason or "").startswith("the narrative cannot be prepared")


def test_an_inventory_without_ollama_says_so(tmp_path: Path) -> None:
    inv = Inventory(Path("/x/inventory.yml"), {"h": Host("h", "synapse", "127.0.0.1")})
    result = narrate(tmp_path, record(), inventory=inv)
    assert result.text is None and result.reason and "no `ollama` service" in result.reason


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_unavailable_sentence_exists_in_both_languages(lang: str) -> None:
    assert narrative.unavailable(lang) == narrative.UNAVAILABLE[lang] and len(narrative.unavailable(lang)) > 20


_SECRET = st.text(alphabet="abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=10, max_size=30)


@given(secret=_SECRET, where=st.sampled_from(["observed", "message", "expected", "source", "remediation"]))
def test_no_planted_secret_reaches_the_model_or_the_narrative(fake: FakeOllama, secret: str, where: str) -> None:
    """A secret the inventory loaded (registered) or that has a credential's shape, planted anywhere in the record:
    neither the request the model gets nor the narrative (the fake echoes its prompt back) carries it."""
    fake.echo, fake.status, fake.delay_s, fake.done_reason = True, 200, 0.0, "stop"
    redact.register(secret)
    token = f"123456789:{secret}{'x' * 30}"  # a Telegram bot token's shape, never registered
    planted = f"{secret} password={secret}z token: {token}"
    bad = check("MAINT-04", observed={"log": planted})
    if where == "remediation":
        bad["remediation"] = {"id": "start-container", "status": "still-failing", "reason": planted}
    elif where != "observed":
        bad[where if where == "message" else "evidence"] = planted if where == "message" else {where: planted}
    run = record(failures=0)
    run["checks"].append(bad)
    fake.received.clear()
    with tempfile.TemporaryDirectory() as tmp:
        result = narrate(Path(tmp), run, inventory=inventory_at(fake.url))
    sent = "\n".join(m["content"] for body in fake.received for m in body["messages"])  # what the model reads
    if where in ("observed", "expected"):  # told to the model, masked
        assert redact.MASK in sent
    for value in (secret, token):
        assert value not in sent
        assert value not in (result.text or "") and value not in (result.reason or "")
