"""authelia-standin: Authelia's health endpoint, first-factor login and the forward-auth authz endpoint.

Sources: https://www.authelia.com/integration/proxies/caddy/ (``forward_auth ... uri /api/authz/forward-auth``,
``copy_headers Remote-User Remote-Groups Remote-Email Remote-Name``),
https://www.authelia.com/reference/guides/proxy-authorization/ (401, or a 302 redirect to the portal for
browser GET/HEAD, without a session; 200 with the Remote-* headers with a valid session) and Authelia's
OpenAPI spec https://github.com/authelia/authelia/blob/master/api/openapi.yml (``GET /api/health`` ->
``{"status":"OK"}``, ``POST /api/firstfactor``).

Users: ``$AUTHELIA_USER`` with password ``$AUTHELIA_PASSWORD`` (or ``_FILE``). Sessions live in memory;
the cookie is ``authelia_session`` as in Authelia's default ``session.name``.
"""

from __future__ import annotations

import os
import secrets
import threading
from urllib.parse import quote

from standin import App, Request, Response, json_response, secret

COOKIE = "authelia_session"


def build(product: str) -> App:
    app = App("authelia-standin")
    user = os.environ.get("AUTHELIA_USER", "orion")
    password = secret("AUTHELIA_PASSWORD")
    portal = os.environ.get("AUTHELIA_URL", "https://auth.jarvis-hub.tech")
    sessions: dict[str, str] = {}
    lock = threading.Lock()

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
            sessions[sid] = user
        cookie = f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
        return json_response({"status": "OK"}, headers={"Set-Cookie": cookie})

    @app.route("*", "/api/authz/forward-auth")
    def forward_auth(req: Request) -> Response:
        sid = req.cookie(COOKIE)
        with lock:
            who = sessions.get(sid or "")
        if who:
            return Response(
                200,
                headers={
                    "Remote-User": who,
                    "Remote-Groups": "admins",
                    "Remote-Name": who.capitalize(),
                    "Remote-Email": f"{who}@jarvis-hub.tech",
                },
            )
        proto = req.headers.get("X-Forwarded-Proto", "https")
        host = req.headers.get("X-Forwarded-Host", "")
        uri = req.headers.get("X-Forwarded-Uri", "/")
        target = quote(f"{proto}://{host}{uri}", safe="")
        if req.method in ("GET", "HEAD") and "text/html" in (req.headers.get("Accept") or ""):
            return Response(302, b"", {"Location": f"{portal}/?rd={target}"})
        return Response(401, b"401 Unauthorized", {"Content-Type": "text/plain; charset=utf-8"})

    return app
