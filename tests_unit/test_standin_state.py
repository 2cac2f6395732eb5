"""The lab's Jellyfin, Ollama and Open WebUI stand-ins answer from a state that a fault can change, through the
product's own API where it has one (a library removed, a model deleted), else through `/_standin/state`.

A stand-in that always says healthy proves nothing: no fault could turn a check that reads it red.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from email.message import Message
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import pytest

from orion import PROJECT_ROOT

STANDINS = PROJECT_ROOT / "lab" / "standins"
sys.path.append(str(STANDINS))  # for their `from standin import …`; appended, so it shadows nothing

from standin import App, Request, Response  # noqa: E402


def load(name: str) -> ModuleType:
    """A stand-in module under a name of its own (`ollama` is also the PyPI client's name)."""
    spec = importlib.util.spec_from_file_location(f"standin_{name}", STANDINS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


jellyfin, ollama, openwebui = load("jellyfin"), load("ollama"), load("openwebui")

TOKEN = {"X-Emby-Token": "lab-token"}


def call(app: App, method: str, url: str, body: object = None, headers: dict[str, str] | None = None) -> Response:
    message = Message()
    for key, value in (headers or {}).items():
        message[key] = value
    parts = urlsplit(url)
    data = b"" if body is None else json.dumps(body).encode()
    return app.dispatch(Request(method, parts.path, parse_qs(parts.query), message, data, "127.0.0.1"))


def body(response: Response) -> object:
    return json.loads(response.body)


@pytest.fixture(params=["memory", "file"])
def data(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path | None:
    """State in memory (no STANDIN_DATA) and in a file (STANDIN_DATA, as in a volume)."""
    if request.param == "memory":
        monkeypatch.delenv("STANDIN_DATA", raising=False)
        return None
    monkeypatch.setenv("STANDIN_DATA", str(tmp_path))
    return tmp_path


def test_jellyfin_turns_unhealthy_when_told_and_healthy_again(data):
    app = jellyfin.build("jellyfin")
    assert call(app, "GET", "/health").body == b"Healthy"
    assert call(app, "PATCH", "/_standin/state", {"healthy": False}).status == 200
    answer = call(app, "GET", "/health")
    assert (answer.status, answer.body) == (503, b"Unhealthy")
    call(app, "PATCH", "/_standin/state", {"healthy": True})
    assert call(app, "GET", "/health").status == 200


def test_a_jellyfin_library_removed_through_its_api_is_gone_until_added_back(data):
    app = jellyfin.build("jellyfin")
    names = lambda: [f["Name"] for f in body(call(app, "GET", "/Library/VirtualFolders", headers=TOKEN))]  # noqa: E731
    assert names() == ["Movies", "Shows"]
    assert call(app, "DELETE", "/Library/VirtualFolders?name=Movies", headers=TOKEN).status == 204
    assert names() == ["Shows"]
    assert call(app, "DELETE", "/Library/VirtualFolders?name=Movies", headers=TOKEN).status == 404
    added = call(app, "POST", "/Library/VirtualFolders?name=Movies&collectionType=movies&paths=/data/media/movies",
                 headers=TOKEN)  # fmt: skip
    assert added.status == 204
    assert sorted(names()) == ["Movies", "Shows"]


def test_jellyfin_libraries_need_a_token_and_the_configured_one(data, monkeypatch):
    assert call(jellyfin.build("jellyfin"), "GET", "/Library/VirtualFolders").status == 401
    monkeypatch.setenv("JELLYFIN_API_KEY", "the-key")
    app = jellyfin.build("jellyfin")
    assert call(app, "GET", "/Library/VirtualFolders", headers=TOKEN).status == 401
    auth = {"Authorization": 'MediaBrowser Client="orion", Token="the-key"'}
    assert call(app, "GET", "/Library/VirtualFolders", headers=auth).status == 200


def test_a_jellyfin_state_file_outlives_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("STANDIN_DATA", str(tmp_path))
    call(jellyfin.build("jellyfin"), "DELETE", "/Library/VirtualFolders?name=Shows", headers=TOKEN)
    again = jellyfin.build("jellyfin")
    assert [f["Name"] for f in body(call(again, "GET", "/Library/VirtualFolders", headers=TOKEN))] == ["Movies"]


def test_an_ollama_model_deleted_through_its_api_leaves_the_tags_and_refuses_chat(tmp_path, monkeypatch):
    monkeypatch.setenv("STANDIN_DATA", str(tmp_path))
    app = ollama.build("ollama")
    models = lambda: [m["name"] for m in body(call(app, "GET", "/api/tags"))["models"]]  # noqa: E731
    chat = {"model": ollama.MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": False}
    assert models() == [ollama.MODEL]
    assert call(app, "POST", "/api/chat", chat).status == 200
    assert call(app, "DELETE", "/api/delete", {"model": ollama.MODEL}).status == 200
    assert models() == []
    assert call(app, "POST", "/api/chat", chat).status == 404
    assert call(app, "DELETE", "/api/delete", {"model": ollama.MODEL}).status == 404
    assert body(call(app, "POST", "/api/pull", {"model": ollama.MODEL, "stream": False})) == {"status": "success"}
    assert models() == [ollama.MODEL]
    assert call(app, "POST", "/api/chat", chat).status == 200


def test_open_webui_turns_unhealthy_when_told(data):
    app = openwebui.build("openwebui")
    assert body(call(app, "GET", "/health")) == {"status": True}
    call(app, "PATCH", "/_standin/state", {"healthy": False})
    answer = call(app, "GET", "/health")
    assert (answer.status, body(answer)) == (503, {"status": False})


def test_the_admin_endpoint_refuses_keys_it_does_not_know(data):
    app = openwebui.build("openwebui")
    assert call(app, "PATCH", "/_standin/state", {"colour": "red"}).status == 400
    assert body(call(app, "GET", "/_standin/state")) == {"healthy": True}
