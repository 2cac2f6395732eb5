"""gluetun-standin: Gluetun's HTTP control server (:8000), answering from the real tunnel's state.

Source: https://github.com/qdm12/gluetun-wiki/blob/main/setup/advanced/control-server.md
(``GET /v1/publicip/ip`` -> ``{"public_ip": ...}``, ``GET /v1/vpn/status`` -> ``{"status": "running"}``,
``GET /v1/portforward`` -> ``{"port": N}``; every route requires auth, here ``X-API-Key``).

Nothing is faked: the status is whether ``$WG_IFACE`` is up, and the public IP is what the lab's echo
server (the "what is my IP" service, ``$PUBLICIP_URL``) sees as our source address right now.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request

from standin import App, Request, Response, json_response, secret


def tunnel_up(iface: str) -> bool:
    """True when the WireGuard interface exists and is administratively up."""
    proc = subprocess.run(["ip", "-j", "link", "show", "dev", iface], capture_output=True, text=True)
    if proc.returncode:
        return False
    links = json.loads(proc.stdout or "[]")
    return bool(links) and "UP" in links[0].get("flags", [])


def public_ip(url: str) -> str:
    """Our public address as the echo server sees it, or "" when it cannot be reached."""
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return str(json.loads(resp.read()).get("ip", ""))
    except (OSError, ValueError):
        return ""


def control_api_key() -> str | None:
    """The API key, from Gluetun's ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE`` JSON or ``$CONTROL_API_KEY``."""
    role = os.environ.get("HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE")
    if role:
        try:
            parsed = json.loads(role)
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict) and parsed.get("auth") == "apikey" and parsed.get("apikey"):
            return str(parsed["apikey"])
    return secret("CONTROL_API_KEY")


def build(product: str) -> App:
    app = App("gluetun-standin")
    iface = os.environ.get("WG_IFACE", "wg-gluetun")
    url = os.environ.get("PUBLICIP_URL", "http://echo/json")
    ports = os.environ.get("FIREWALL_VPN_INPUT_PORTS") or os.environ.get("VPN_PORT_FORWARDING_PORT") or "0"
    port = int(ports.split(",")[0])
    api_key = control_api_key()

    def guard(req: Request) -> Response | None:
        if not api_key or req.headers.get("X-API-Key") != api_key:
            return Response(401, b"Unauthorized\n", {"Content-Type": "text/plain; charset=utf-8"})
        return None

    @app.route("GET", "/v1/publicip/ip")
    def publicip(req: Request) -> Response:
        denied = guard(req)
        if denied:
            return denied
        ip = public_ip(url)
        fields = ("region", "country", "city", "hostname", "location", "organization", "postal_code", "timezone")
        return json_response({"public_ip": ip, **{f: "" for f in fields}})

    @app.route("GET", "/v1/vpn/status")
    def status(req: Request) -> Response:
        return guard(req) or json_response({"status": "running" if tunnel_up(iface) else "stopped"})

    @app.route("GET", "/v1/portforward")
    def portforward(req: Request) -> Response:
        return guard(req) or json_response({"port": port if tunnel_up(iface) else 0})

    return app
