"""gluetun-standin: Gluetun's HTTP control server (:8000), answering from the real tunnel's state.

Source: https://github.com/qdm12/gluetun-wiki/blob/main/setup/advanced/control-server.md
(``GET /v1/publicip/ip`` -> ``{"public_ip": ...}``, ``GET /v1/vpn/status`` -> ``{"status": "running"}``,
``GET /v1/portforward`` -> ``{"port": N}``; every route requires auth, here ``X-API-Key``).

Nothing is faked: the status is whether ``$WG_IFACE`` is up, and the public IP is what the lab's echo
server (the "what is my IP" service, ``$PUBLICIP_URL``) sees as our source address right now.

Port forwarding as Gluetun does it for a provider with native port forwarding (PIA, ProtonVPN): the port is
the one the provider forwards right now, asked through the tunnel (``$PORT_FORWARD_URL``, the lab endpoint's
provider API), and the firewall lets it in on the tunnel (a rule in the killswitch's ``inet gluetun`` input
chain, commented ``gluetun-standin forwarded port``), checked every 5 s. Without an answer the port is the
static ``FIREWALL_VPN_INPUT_PORTS`` one (AirVPN's way: a port set in the provider's account); a tunnel that
is down forwards nothing (0).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
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


def provider_port(url: str) -> int | None:
    """The port the provider forwards now (its API, through the tunnel), None when it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return int(json.loads(resp.read())["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


FIREWALL_COMMENT = "gluetun-standin forwarded port"


def allow_through_tunnel(iface: str, port: int, static: int) -> None:
    """Let `port` in on the tunnel, as Gluetun's firewall does for the forwarded port; drop the rules of a
    previous forwarded port. The static port is already in the killswitch's own rules."""
    listed = subprocess.run(["nft", "-a", "list", "chain", "inet", "gluetun", "input"], capture_output=True, text=True)
    if listed.returncode:
        return  # no killswitch table (TORR-02's fault, or the iptables backend): nothing to open
    present = False
    for line in listed.stdout.splitlines():
        if FIREWALL_COMMENT not in line:
            continue
        found = re.search(r"dport (\d+) .*# handle (\d+)", line)
        if found and int(found[1]) == port and port != static:
            present = True
        elif found:
            subprocess.run(["nft", "delete", "rule", "inet", "gluetun", "input", "handle", found[2]], check=False)
    if port and port != static and not present:
        rule = f'iifname "{iface}" meta l4proto {{ tcp, udp }} th dport {port} accept comment "{FIREWALL_COMMENT}"'
        subprocess.run(["nft", f"add rule inet gluetun input {rule}"], check=False)


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
    static = int(ports.split(",")[0])
    forward_url = os.environ.get("PORT_FORWARD_URL", "")
    api_key = control_api_key()

    def forwarded() -> int:
        if not tunnel_up(iface):
            return 0
        asked = provider_port(forward_url) if forward_url else None
        return static if asked is None else asked

    def keep_firewall() -> None:
        while True:
            with contextlib.suppress(OSError):
                allow_through_tunnel(iface, forwarded(), static)
            time.sleep(5)

    if forward_url:
        threading.Thread(target=keep_firewall, daemon=True).start()

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
        return guard(req) or json_response({"port": forwarded()})

    return app
