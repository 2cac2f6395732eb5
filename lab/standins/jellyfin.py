"""jellyfin-standin: Jellyfin's unauthenticated health and public system info.

Source: https://api.jellyfin.org/ (SystemController: GET /System/Info/Public, PublicSystemInfo) and
https://jellyfin.org/docs/general/networking/monitoring/ (GET /health returns ``Healthy``).
"""

from __future__ import annotations

import hashlib
import os
import socket

from standin import App, Request, Response, json_response, text_response

VERSION = "10.10.7"


def build(product: str) -> App:
    app = App("jellyfin-standin")
    name = os.environ.get("JELLYFIN_SERVER_NAME", socket.gethostname())
    server_id = hashlib.md5(name.encode()).hexdigest()  # stable per server name, like Jellyfin's 32-hex id

    @app.route("GET", "/health")
    def health(_: Request) -> Response:
        return text_response("Healthy")

    @app.route("GET", "/System/Info/Public")
    def info(req: Request) -> Response:
        host = socket.gethostbyname(socket.gethostname())
        return json_response(
            {
                "LocalAddress": f"http://{host}:8096",
                "ServerName": name,
                "Version": VERSION,
                "ProductName": "Jellyfin Server",
                "OperatingSystem": "",
                "Id": server_id,
                "StartupWizardCompleted": True,
            }
        )

    return app
