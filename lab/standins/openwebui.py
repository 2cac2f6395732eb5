"""openwebui-standin: Open WebUI's health endpoints.

Source: https://docs.openwebui.com/getting-started/advanced-topics/monitoring/ (``GET /health`` -> 200
``{"status": true}``; ``GET /health/db`` also checks the database) and open_webui/main.py.
The database check is real: ``$DATA_DIR`` (default /app/backend/data) must be writable.

State (``$STANDIN_DATA/state.json``, else in memory): ``healthy``. Open WebUI has no API that makes it
unhealthy, so a fault uses the stand-in's ``PATCH /_standin/state {"healthy": false}``: ``/health`` then answers
503 ``{"status": false}``, as when the app cannot serve.
"""

from __future__ import annotations

import os
import tempfile

from standin import App, Request, Response, State, admin, json_response


def build(product: str) -> App:
    app = App("openwebui-standin")
    data = os.environ.get("DATA_DIR", "/app/backend/data")
    state = State({"healthy": True}, os.environ.get("STANDIN_DATA"))
    admin(app, state, {"healthy"})

    @app.route("GET", "/health")
    def health(_: Request) -> Response:
        healthy = bool(state.get()["healthy"])
        return json_response({"status": healthy}, 200 if healthy else 503)

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
