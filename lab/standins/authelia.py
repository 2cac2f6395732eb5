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
``GET /`` the portal's page, ``POST /api/firstfactor``, ``GET /api/state`` -> ``{"status":"OK","data":
{"username","authentication_level"}}``).

Users: ``$AUTHELIA_USER`` with password ``$AUTHELIA_PASSWORD`` (or ``_FILE``); the stand-in has no second factor,
so its sessions stay at level 1 (one factor). Sessions live in memory; the cookie is ``authelia_session`` as in
Authelia's default ``session.name``. The configuration is ``$STANDIN_DATA/configuration.yml`` when present (an
edit made on the node), else ``$AUTHELIA_CONFIG`` (the stack's file), read at start as Authelia reads it; without
one, any session passes (one factor everywhere).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

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


def build(product: str) -> App:
    app = App("authelia-standin")
    user = os.environ.get("AUTHELIA_USER", "orion")
    password = secret("AUTHELIA_PASSWORD")
    portal = os.environ.get("AUTHELIA_URL", "https://auth.jarvis-hub.tech")
    access = AccessControl(load_config())
    sessions: dict[str, tuple[str, int]] = {}
    lock = threading.Lock()

    def session(req: Request) -> tuple[str, int]:
        with lock:
            return sessions.get(req.cookie(COOKIE) or "", ("", 0))

    @app.route("GET", "/")
    def portal_page(_: Request) -> Response:  # the login portal's single page (auth.<domain>, Caddy's bypass)
        page = b"<!DOCTYPE html><html><head><title>Login - Authelia</title></head><body>authelia-standin</body></html>"
        return Response(200, page, {"Content-Type": "text/html; charset=utf-8"})

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
        cookie = f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
        return json_response({"status": "OK"}, headers={"Set-Cookie": cookie})

    @app.route("GET", "/api/state")
    def state(req: Request) -> Response:
        who, level = session(req)
        return json_response({"status": "OK", "data": {"username": who, "authentication_level": level,
                                                       "default_redirection_url": portal}})  # fmt: skip

    @app.route("*", "/api/authz/forward-auth")
    def forward_auth(req: Request) -> Response:
        who, level = session(req)
        host = req.headers.get("X-Forwarded-Host", "")
        client = (req.headers.get("X-Forwarded-For") or req.client).split(",")[0].strip()
        policy = access.policy(host.split(":")[0], client)
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
