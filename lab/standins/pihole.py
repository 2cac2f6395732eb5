"""pihole-standin: Pi-hole v6's REST API (FTL): session auth, version and blocking status.

Source: https://docs.pi-hole.net/api/ and https://ftl.pi-hole.net/master/docs/ (``POST /api/auth``
``{"password"}`` -> ``{"session": {"valid", "totp", "sid", "csrf", "validity", "message"}, "took"}``; then the
``X-FTL-SID`` header or ``sid`` parameter; ``GET /api/info/version`` -> ``{"version": {"core"|"web"|"ftl"|
"docker": {"local": ..., "remote": ...}}, "took"}``; ``GET /api/dns/blocking`` -> ``{"blocking": "enabled",
"timer": null, "took"}``; 401 -> ``{"error": {"key": "unauthorized", "message": "Unauthorized", "hint": null}}``).
"""

from __future__ import annotations

import secrets
import threading

from standin import App, Request, Response, json_response, secret


def _component(version: str) -> dict[str, object]:
    return {
        "local": {"branch": "master", "version": version, "hash": "standin"},
        "remote": {"version": version, "hash": "standin"},
    }


def build(product: str) -> App:
    app = App("pihole-standin")
    password = secret("FTLCONF_webserver_api_password") or secret("WEBPASSWORD")  # or WEBPASSWORD_FILE
    sessions: set[str] = set()
    lock = threading.Lock()

    def authorized(req: Request) -> bool:
        if not password:  # Pi-hole without a password needs no session
            return True
        sid = req.headers.get("X-FTL-SID") or req.arg("sid")
        with lock:
            return bool(sid) and sid in sessions

    unauthorized = json_response(
        {"error": {"key": "unauthorized", "message": "Unauthorized", "hint": None}, "took": 0.0001}, 401
    )

    @app.route("POST", "/api/auth")
    def auth(req: Request) -> Response:
        body = req.json() or {}
        if password and body.get("password") != password:
            return unauthorized
        sid = secrets.token_urlsafe(16)
        with lock:
            sessions.add(sid)
        session = {
            "valid": True,
            "totp": False,
            "sid": sid,
            "csrf": secrets.token_urlsafe(16),
            "validity": 1800,
            "message": "password correct",
        }
        return json_response({"session": session, "took": 0.0003})

    @app.route("GET", "/api/info/version")
    def version(req: Request) -> Response:
        if not authorized(req):
            return unauthorized
        versions = {
            "core": _component("v6.0.4"),
            "web": _component("v6.0.1"),
            "ftl": _component("v6.0.2"),
            "docker": {"local": "2025.02.1", "remote": "2025.02.1"},
        }
        return json_response({"version": versions, "took": 0.0002})

    @app.route("GET", "/api/dns/blocking")
    def blocking(req: Request) -> Response:
        if not authorized(req):
            return unauthorized
        return json_response({"blocking": "enabled", "timer": None, "took": 0.0001})

    return app
