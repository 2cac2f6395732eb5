"""The lab's Authelia stand-in (lab/standins/authelia.py): its TOTP second factor, the session cookie a browser
carries from the portal to the protected hosts, and the redirect after login (never an open one)."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from email.message import Message
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import pytest

from orion import PROJECT_ROOT

STANDINS = PROJECT_ROOT / "lab" / "standins"
sys.path.append(str(STANDINS))  # for its `from standin import …`; appended, so it shadows nothing

from standin import App, Request, Response  # noqa: E402


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


authelia = load(STANDINS / "authelia.py", "standin_authelia")

#: RFC 6238's SHA1 seed ("12345678901234567890") in base32, and its test vectors cut to 6 digits (appendix B).
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
RFC_VECTORS = {59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037"}
CONFIG = """
definitions: {network: {private: [10.0.0.0/8]}}
access_control:
  default_policy: deny
  rules:
    - {domain: [grafana.jarvis-hub.tech], policy: two_factor}
    - {domain: [prometheus.jarvis-hub.tech], networks: [private], policy: two_factor}
session:
  name: authelia_session
  cookies:
    - {domain: jarvis-hub.tech, authelia_url: https://auth.jarvis-hub.tech}
"""
LAN = "10.213.1.1"  # the browser, as Caddy forwards it


def call(app: App, method: str, url: str, body: object = None, **headers: str) -> Response:
    message = Message()
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    parts = urlsplit(url)
    data = b"" if body is None else json.dumps(body).encode()
    return app.dispatch(Request(method, parts.path, parse_qs(parts.query), message, data, "127.0.0.1"))


def answer(response: Response) -> dict:
    return json.loads(response.body)


def sid(response: Response) -> str:
    return response.headers["Set-Cookie"].split(";")[0]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> App:
    (tmp_path / "configuration.yml").write_text(CONFIG)
    monkeypatch.setenv("AUTHELIA_CONFIG", str(tmp_path / "configuration.yml"))
    monkeypatch.setenv("STANDIN_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("AUTHELIA_PASSWORD", "hunter2")
    monkeypatch.setenv("AUTHELIA_TOTP_SECRET", RFC_SECRET)
    return authelia.build("authelia")


def login(app: App, host: str = "auth.jarvis-hub.tech", **body: str) -> Response:
    credentials = {"username": "orion", "password": "hunter2", **body}
    return call(app, "POST", "/api/firstfactor", credentials, Host=host, X_Forwarded_For=LAN)


def level(app: App, cookie: str) -> int:
    return answer(call(app, "GET", "/api/state", Cookie=cookie))["data"]["authentication_level"]


def forward_auth(app: App, cookie: str, host: str = "prometheus.jarvis-hub.tech") -> int:
    headers = {"X_Forwarded_Host": host, "X_Forwarded_For": LAN, "Accept": "text/html"}
    return call(app, "GET", "/api/authz/forward-auth", Cookie=cookie, **headers).status


@pytest.mark.parametrize(("at", "code"), RFC_VECTORS.items())
def test_totp_follows_rfc_6238(at, code):
    assert authelia.totp(RFC_SECRET, at) == code


def test_a_code_is_accepted_one_period_early_or_late_and_no_further():
    at = 1111111111
    assert all(authelia.totp_valid(RFC_SECRET, authelia.totp(RFC_SECRET, at, step), at) for step in (-1, 0, 1))
    assert not any(authelia.totp_valid(RFC_SECRET, authelia.totp(RFC_SECRET, at, step), at) for step in (-2, 2))
    assert not authelia.totp_valid(RFC_SECRET, "", at)


def test_the_lab_browser_computes_the_code_the_standin_expects():
    browser = load(PROJECT_ROOT / "lab" / "tests" / "browser.py", "lab_browser")
    assert all(browser.totp(RFC_SECRET, at) == code for at, code in RFC_VECTORS.items())
    assert authelia.totp_valid(RFC_SECRET, browser.totp(RFC_SECRET), time.time())


def test_the_second_factor_raises_the_session_to_two_factors(app):
    cookie = sid(login(app))
    assert (level(app, cookie), forward_auth(app, cookie)) == (1, 302)
    ok = call(app, "POST", "/api/secondfactor/totp", {"token": authelia.totp(RFC_SECRET, time.time())},
              Cookie=cookie)  # fmt: skip
    assert (ok.status, answer(ok)) == (200, {"status": "OK"})
    assert (level(app, cookie), forward_auth(app, cookie)) == (2, 200)


def test_a_wrong_code_is_refused_and_leaves_one_factor(app):
    cookie = sid(login(app))
    wrong = call(app, "POST", "/api/secondfactor/totp", {"token": "000000"}, Cookie=cookie)
    assert (wrong.status, answer(wrong)["status"]) == (401, "KO")
    assert (level(app, cookie), forward_auth(app, cookie)) == (1, 302)


def test_no_second_factor_without_a_first_one_or_without_a_secret(app, monkeypatch):
    code = {"token": authelia.totp(RFC_SECRET, time.time())}
    assert call(app, "POST", "/api/secondfactor/totp", code).status == 403
    monkeypatch.delenv("AUTHELIA_TOTP_SECRET")
    one_factor_only = authelia.build("authelia")
    cookie = sid(login(one_factor_only))
    assert call(one_factor_only, "POST", "/api/secondfactor/totp", code, Cookie=cookie).status == 401
    assert level(one_factor_only, cookie) == 1


@pytest.mark.parametrize(
    ("host", "cookie_domain"),
    [
        ("auth.jarvis-hub.tech", "jarvis-hub.tech"),
        ("jarvis-hub.tech", "jarvis-hub.tech"),
        ("AUTH.jarvis-hub.tech:443", "jarvis-hub.tech"),
        ("127.0.0.1:19091", None),  # the checks' direct calls keep a host-only cookie
        ("evil-jarvis-hub.tech", None),
        ("", None),
    ],
)
def test_the_cookie_is_for_the_session_domain_and_secure_only_under_it(app, host, cookie_domain):
    attributes = login(app, host).headers["Set-Cookie"].split("; ")
    assert attributes[0].startswith("authelia_session=")
    assert {"Path=/", "HttpOnly", "SameSite=Lax"} <= set(attributes)
    if cookie_domain:
        assert {f"Domain={cookie_domain}", "Secure"} <= set(attributes)
    else:
        assert not [a for a in attributes if a.startswith("Domain=") or a == "Secure"]


def test_without_session_cookies_configured_the_portals_parent_domain_is_used():
    assert authelia.cookie_domains({}, "https://auth.example.org") == ["example.org"]
    assert authelia.cookie_domains({"session": {"cookies": [{"domain": "a.test"}]}}, "https://auth.b.test") == [
        "a.test"
    ]


def test_after_login_the_browser_is_sent_back_only_to_a_safe_target_it_may_open(app):
    target = "https://prometheus.jarvis-hub.tech/graph"
    first = login(app, targetURL=target)
    assert "data" not in answer(first)  # two factors needed: the portal asks for the code first
    code = {"token": authelia.totp(RFC_SECRET, time.time())}
    for unsafe in ("http://prometheus.jarvis-hub.tech/", "https://prometheus.jarvis-hub.tech.evil.test/", "/x"):
        second = call(app, "POST", "/api/secondfactor/totp", {**code, "targetURL": unsafe}, Cookie=sid(first))
        assert answer(second) == {"status": "OK"}, unsafe
    second = call(app, "POST", "/api/secondfactor/totp", {**code, "targetURL": target}, Cookie=sid(first),
                  X_Forwarded_For=LAN)  # fmt: skip
    assert answer(second) == {"status": "OK", "data": {"redirect": target}}
    outside = call(app, "POST", "/api/secondfactor/totp", {**code, "targetURL": target}, Cookie=sid(first),
                   X_Forwarded_For="203.0.113.9")  # fmt: skip
    assert answer(outside) == {"status": "OK"}  # prometheus is LAN-only: denied from outside, so no redirect


def test_the_portal_is_a_login_form_that_says_it_is_the_standin(app):
    page = call(app, "GET", "/?rd=https%3A%2F%2Fgrafana.jarvis-hub.tech%2F")
    html = page.body.decode()
    assert page.headers["Content-Type"].startswith("text/html")
    assert "stand-in" in html.split("</title>")[0] and "not Authelia" in html
    for element in ('id="username"', 'id="password"', 'id="token"', 'id="sign-in"', "/api/firstfactor",
                    "/api/secondfactor/totp", "logged in"):  # fmt: skip
        assert element in html
