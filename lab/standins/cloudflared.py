"""cloudflared-standin: cloudflared's metrics server readiness endpoint.

Source: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/monitor-tunnels/metrics/
and cloudflared's metrics/readiness.go (``GET /ready`` -> 200 ``{"status":200,"readyConnections":N,
"connectorId":...}`` only while an edge connection is up, else 503 with ``readyConnections: 0``).

"Connected" is real: the stand-in keeps probing the lab's edge (``$EDGE``, host:port on lab_wan, the lab's
internet); when the container loses that network, readiness drops like cloudflared's would.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

from standin import App, Request, Response, json_response, text_response

HA_CONNECTIONS = 4


def build(product: str) -> App:
    app = App("cloudflared-standin")
    edge = os.environ.get("EDGE", "echo:80")
    connector = str(uuid.uuid5(uuid.NAMESPACE_DNS, socket.gethostname()))
    state = {"connections": 0}

    def probe() -> None:
        host, _, port = edge.rpartition(":")
        while True:
            try:
                with socket.create_connection((host, int(port)), timeout=2):
                    state["connections"] = HA_CONNECTIONS
            except OSError:
                state["connections"] = 0
            time.sleep(2)

    threading.Thread(target=probe, daemon=True).start()

    @app.route("GET", "/ready")
    def ready(_: Request) -> Response:
        n = state["connections"]
        code = 200 if n else 503
        return json_response({"status": code, "readyConnections": n, "connectorId": connector}, code)

    @app.route("GET", "/metrics")
    def metrics(_: Request) -> Response:
        body = (
            "# HELP cloudflared_tunnel_ha_connections Number of active ha connections\n"
            "# TYPE cloudflared_tunnel_ha_connections gauge\n"
            f"cloudflared_tunnel_ha_connections {state['connections']}\n"
        )
        return text_response(body, content_type="text/plain; version=0.0.4; charset=utf-8")

    return app
