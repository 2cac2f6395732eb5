"""authelia-standin: Authelia's health endpoint, first-factor login, session state and the forward-auth authz
endpoint, enforcing the access control of Authelia's own configuration file.

Sources: https://www.authelia.com/integration/proxies/caddy/ (``forward_auth ... uri /api/authz/forward-auth``,
``copy_headers Remote-User Remote-Groups Remote-Email Remote-Name``),
https://www.authelia.com/reference/guides/proxy-authorization/ (401, or a 302 redirect to the portal for
browser GET/HEAD, without enough authentication; 403 when the policy denies; 200 with the Remote-* headers when
the session's level meets the policy), https://www.authelia.com/configuration/security/access-control/ (rules
matched in order on ``domain`` and ``networks``, the first match's ``policy`` (bypass, one_factor, two_factor,
deny) applies, else ``default_policy``; network names from ``definitions.network``) and Authelia's OpenAPI spec
https://github.com/authelia/authelia/blob/master/api/openapi.yml (``GET /api/health`` -> ``{"status":"OK"}``,
``GET /`` the portal's page, ``POST /api/firstfactor``, ``POST /api/secondfactor/totp`` with ``{"token"}`` ->
``{"status":"OK"}`` (401 ``KO`` on a wrong code), ``GET /api/state`` -> ``{"status":"OK","data":{"username",
"authentication_level"}}``). Both factors' bodies may carry ``targetURL``: the answer's ``data.redirect`` is it when
it is safe (https, under the cookie domain) and the session's level then meets its policy, as Authelia answers.

Users: ``$AUTHELIA_USER`` with password ``$AUTHELIA_PASSWORD`` (or ``_FILE``) and, when ``$AUTHELIA_TOTP_SECRET``
(or ``_FILE``, base32) is set, a TOTP second factor (RFC 6238: SHA1, 6 digits, 30 s, ±1 step as Authelia's
default ``skew``); without it, sessions stay at level 1. The portal page is a minimal stand-in form (not Authelia's
React app) that a headless browser fills. Sessions live in memory; the cookie is ``authelia_session`` as in
Authelia's default ``session.name``, set for the configuration's ``session.cookies[].domain`` (``Secure``) when the
request's host is under it, so that the browser sends it to the protected hosts; host-only otherwise (127.0.0.1).

The configuration is ``$STANDIN_DATA/configuration.yml`` when present (an edit made on the node), else
``$AUTHELIA_CONFIG`` (the stack's file), read at start as Authelia reads it; without one, any session passes (one
factor everywhere).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import secrets
import struct
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from standin import App, Request, Response, json_response, secret

try:
    import yaml
except ImportError:  # python3-yaml is in the image
    yaml = None

COOKIE = "authelia_session"
LEVELS = {"bypass": 0, "one_factor": 1, "two_factor": 2}


def load_config() -> dict[str, Any]:
    """The configuration Authelia runs with: the node's edit if any, else the stack's file."""
    for path in (Path(os.environ.get("STANDIN_DATA", "/data")) / "configuration.yml",
                 Path(os.environ.get("AUTHELIA_CONFIG", "/config/configuration.yml"))):  # fmt: skip
        try:
            doc = yaml.safe_load(path.read_text()) if yaml else None
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict):
            print(f"authelia-standin: configuration {path}", flush=True)
            return doc
    return {}


class AccessControl:
    def __init__(self, config: dict[str, Any]) -> None:
        acl = config.get("access_control") or {}
        self.configured = bool(acl)
        self.default = str(acl.get("default_policy", "deny"))
        self.rules = [r for r in acl.get("rules") or [] if isinstance(r, dict)]
        networks = ((config.get("definitions") or {}).get("network")) or {}
        self.networks = {str(k): [str(n) for n in (v if isinstance(v, list) else [v])] for k, v in networks.items()}

    def policy(self, host: str, client: str) -> str:
        """The policy of the first rule matching the host (and the client's network), else the default."""
        if not self.configured:
            return "one_factor"
        for rule in self.rules:
            domains = rule.get("domain") or []
            domains = [domains] if isinstance(domains, str) else domains
            if not any(_domain(str(d), host) for d in domains):
                continue
            if rule.get("networks") and not any(self._in(str(n), client) for n in rule["networks"]):
                continue
            return str(rule.get("policy", self.default))
        return self.default

    def _in(self, network: str, client: str) -> bool:
        try:
            address = ipaddress.ip_address(client)
            return any(address in ipaddress.ip_network(n, strict=False) for n in self.networks.get(network, [network]))
        except ValueError:
            return False


def _domain(pattern: str, host: str) -> bool:
    return pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:]))


def totp(secret_b32: str, at: float, step: int = 0) -> str:
    """RFC 6238's code (HMAC-SHA1, 6 digits, 30 s period) at time ``at``, ``step`` periods away."""
    key = base64.b32decode(secret_b32.upper().replace(" ", "") + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at // 30) + step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


def totp_valid(secret_b32: str, token: str, at: float) -> bool:
    """Whether ``token`` is the code of the period at ``at`` or of the one just before or after it."""
    return any(hmac.compare_digest(totp(secret_b32, at, step), token) for step in (-1, 0, 1))


def cookie_domains(config: dict[str, Any], portal: str) -> list[str]:
    """Authelia's ``session.cookies[].domain``; without them, the portal's parent domain."""
    cookies = (config.get("session") or {}).get("cookies") or []
    domains = [str(c["domain"]) for c in cookies if isinstance(c, dict) and c.get("domain")]
    return domains or [(urlsplit(portal).hostname or "").partition(".")[2]]


def _under(host: str, domain: str) -> bool:
    return bool(domain) and (host == domain or host.endswith("." + domain))


def session_cookie(sid: str, host: str, domains: list[str]) -> str:
    """The Set-Cookie value: for the cookie domain (Secure) when ``host`` is under it, else host-only."""
    cookie = f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
    domain = next((d for d in domains if _under(host.split(":")[0].lower(), d)), None)
    return f"{cookie}; Domain={domain}; Secure" if domain else cookie


def safe_redirect(target: str, domains: list[str]) -> bool:
    """Authelia redirects after login only to https URLs under a cookie domain (no open redirect)."""
    parts = urlsplit(target)
    return parts.scheme == "https" and any(_under((parts.hostname or "").lower(), d) for d in domains)


PORTAL_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Login - Authelia (lab stand-in)</title>
<style>body{font-family:sans-serif;max-width:22em;margin:4em auto}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3em 0}
#status{min-height:1.5em;font-weight:bold}</style></head>
<body><h1>Sign in</h1><p>authelia-standin: the Orion lab's stand-in for Authelia's portal, not Authelia.</p>
<form id="login"><label>Username <input id="username" name="username" autocomplete="username" required></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required>
</label><label>One-time code <input id="token" name="token" inputmode="numeric" autocomplete="one-time-code"
maxlength="6"></label><button id="sign-in" type="submit">Sign in</button></form><p id="status"></p>
<script>
const form = document.getElementById("login"), out = document.getElementById("status");
const targetURL = new URLSearchParams(location.search).get("rd") || undefined;
async function post(path, body) {
  const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                               body: JSON.stringify({...body, targetURL})});
  return r.json().catch(() => ({status: "KO", message: r.status + " " + r.statusText}));
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  out.textContent = "";
  let answer = await post("/api/firstfactor", {username: form.username.value, password: form.password.value,
                                               keepMeLoggedIn: false});
  const code = form.token.value.trim();
  if (answer.status === "OK" && code) answer = await post("/api/secondfactor/totp", {token: code});
  if (answer.status !== "OK") { out.textContent = answer.message || "Authentication failed"; return; }
  if (answer.data && answer.data.redirect) location.assign(answer.data.redirect);
  else out.textContent = "logged in" + (targetURL ? ", but this session may not open " + targetURL : "");
});
</script></body></html>
"""


def build(product: str) -> App:
    app = App("authelia-standin")
    user = os.environ.get("AUTHELIA_USER", "orion")
    password = secret("AUTHELIA_PASSWORD")
    totp_secret = secret("AUTHELIA_TOTP_SECRET")
    portal = os.environ.get("AUTHELIA_URL", "https://auth.jarvis-hub.tech")
    config = load_config()
    access = AccessControl(config)
    domains = cookie_domains(config, portal)
    sessions: dict[str, tuple[str, int]] = {}
    lock = threading.Lock()

    def session(req: Request) -> tuple[str, int]:
        with lock:
            return sessions.get(req.cookie(COOKIE) or "", ("", 0))

    def client(req: Request) -> str:
        return (req.headers.get("X-Forwarded-For") or req.client).split(",")[0].strip()

    def redirect(req: Request, body: dict[str, Any], level: int) -> dict[str, Any]:
        """``{"redirect": targetURL}`` when it is safe and ``level`` meets its policy, else nothing."""
        target = str(body.get("targetURL") or "")
        if not safe_redirect(target, domains):
            return {}
        policy = access.policy((urlsplit(target).hostname or "").lower(), client(req))
        return {"redirect": target} if level >= LEVELS.get(policy, 3) else {}

    @app.route("GET", "/")
    def portal_page(_: Request) -> Response:  # the login portal's single page (auth.<domain>, Caddy's bypass)
        return Response(200, PORTAL_PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})

    @app.route("GET", "/api/health")
    def health(_: Request) -> Response:
        return json_response({"status": "OK"})

    @app.route("POST", "/api/firstfactor")
    def firstfactor(req: Request) -> Response:
        body = req.json() or {}
        if not password or body.get("username") != user or body.get("password") != password:
            return json_response({"status": "KO", "message": "Authentication failed. Check your credentials."}, 401)
        sid = secrets.token_urlsafe(24)
        with lock:
            sessions[sid] = (user, 1)
        cookie = session_cookie(sid, req.headers.get("Host") or "", domains)
        answer = {"status": "OK", **({"data": data} if (data := redirect(req, body, 1)) else {})}
        return json_response(answer, headers={"Set-Cookie": cookie})

    @app.route("POST", "/api/secondfactor/totp")
    def secondfactor_totp(req: Request) -> Response:
        sid = req.cookie(COOKIE) or ""
        who, level = session(req)
        if level < 1:
            return json_response({"status": "KO", "message": "Forbidden"}, 403)
        body = req.json() or {}
        if not totp_secret or not totp_valid(totp_secret, str(body.get("token", "")), time.time()):
            return json_response({"status": "KO", "message": "Authentication failed, please retry later."}, 401)
        with lock:
            sessions[sid] = (who, 2)
        return json_response({"status": "OK", **({"data": data} if (data := redirect(req, body, 2)) else {})})

    @app.route("GET", "/api/state")
    def state(req: Request) -> Response:
        who, level = session(req)
        return json_response({"status": "OK", "data": {"username": who, "authentication_level": level,
                                                       "default_redirection_url": portal}})  # fmt: skip

    @app.route("*", "/api/authz/forward-auth")
    def forward_auth(req: Request) -> Response:
        who, level = session(req)
        host = req.headers.get("X-Forwarded-Host", "")
        policy = access.policy(host.split(":")[0], client(req))
        if policy == "deny":
            return Response(403, b"403 Forbidden", {"Content-Type": "text/plain; charset=utf-8"})
        if level >= LEVELS.get(policy, 2):
            headers = {}
            if who:
                headers = {"Remote-User": who, "Remote-Groups": "admins", "Remote-Name": who.capitalize(),
                           "Remote-Email": f"{who}@jarvis-hub.tech"}  # fmt: skip
            return Response(200, headers=headers)
        proto = req.headers.get("X-Forwarded-Proto", "https")
        uri = req.headers.get("X-Forwarded-Uri", "/")
        target = quote(f"{proto}://{host}{uri}", safe="")
        if req.method in ("GET", "HEAD") and "text/html" in (req.headers.get("Accept") or ""):
            return Response(302, b"", {"Location": f"{portal}/?rd={target}"})
        return Response(401, b"401 Unauthorized", {"Content-Type": "text/plain; charset=utf-8"})

    return app
