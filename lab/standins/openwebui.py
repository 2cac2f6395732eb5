"""openwebui-standin: Open WebUI's health endpoints.

Source: https://docs.openwebui.com/getting-started/advanced-topics/monitoring/ (``GET /health`` -> 200
``{"status": true}``; ``GET /health/db`` also checks the database) and open_webui/main.py.
The database check is real: ``$DATA_DIR`` (default /app/backend/data) must be writable.
"""

from __future__ import annotations

import os
import tempfile

from standin import App, Request, Response, json_response


def build(product: str) -> App:
    app = App("openwebui-standin")
    data = os.environ.get("DATA_DIR", "/app/backend/data")

    @app.route("GET", "/health")
    def health(_: Request) -> Response:
        return json_response({"status": True})

    @app.route("GET", "/health/db")
    def health_db(_: Request) -> Response:
        try:
            os.makedirs(data, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=data):
                pass
        except OSError as exc:
            return json_response({"detail": f"database unavailable: {exc.strerror}"}, 503)
        return json_response({"status": True})

    return app
