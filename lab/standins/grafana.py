"""grafana-standin: Grafana's health, search and datasources HTTP API, fed by Grafana's provisioning files.

Sources: https://grafana.com/docs/grafana/latest/developers/http_api/other/#health-api
(``GET /api/health`` -> ``{"commit", "database": "ok", "version"}``, no auth),
https://grafana.com/docs/grafana/latest/developers/http_api/folder_dashboard_search/ (``GET /api/search``),
https://grafana.com/docs/grafana/latest/developers/http_api/data_source/ (``GET /api/datasources``) and
https://grafana.com/docs/grafana/latest/administration/provisioning/ (datasources/*.yaml, dashboards providers).

Datasources and dashboards are read from ``$GF_PATHS_PROVISIONING`` (default /etc/grafana/provisioning) on
each request, so a broken provisioning file shows up as a missing datasource or dashboard.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from standin import App, Request, Response, json_response, secret, text_response

try:
    import yaml
except ImportError:  # python3-yaml is in the image; without it nothing is provisioned
    yaml = None

VERSION = "11.3.0"


def _yaml_files(folder: Path) -> list[dict[str, Any]]:
    docs = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            doc = yaml.safe_load(path.read_text()) if yaml else None
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict):
            docs.append(doc)
    return docs


def datasources(root: Path) -> list[dict[str, Any]]:
    """The provisioned datasources, in Grafana's list shape."""
    found = []
    for doc in _yaml_files(root / "datasources"):
        for i, ds in enumerate(doc.get("datasources") or [], start=len(found) + 1):
            found.append(
                {
                    "id": i,
                    "uid": ds.get("uid", f"ds{i}"),
                    "orgId": ds.get("orgId", 1),
                    "name": ds.get("name"),
                    "type": ds.get("type"),
                    "access": ds.get("access", "proxy"),
                    "url": ds.get("url", ""),
                    "isDefault": bool(ds.get("isDefault", False)),
                    "readOnly": True,
                }
            )
    return found


def dashboards(root: Path) -> list[dict[str, Any]]:
    """The dashboards found through the dashboard providers, in /api/search's shape."""
    found = []
    for doc in _yaml_files(root / "dashboards"):
        for provider in doc.get("providers") or []:
            folder = Path(str((provider.get("options") or {}).get("path", "")))
            for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
                try:
                    dash = json.loads(path.read_text())
                except ValueError:
                    continue
                uid = dash.get("uid") or path.stem
                slug = str(dash.get("title", path.stem)).lower().replace(" ", "-")
                found.append(
                    {
                        "id": len(found) + 1,
                        "uid": uid,
                        "title": dash.get("title", path.stem),
                        "uri": f"db/{slug}",
                        "url": f"/d/{uid}/{slug}",
                        "slug": "",
                        "type": "dash-db",
                        "tags": dash.get("tags", []),
                        "isStarred": False,
                        "folderTitle": provider.get("folder", "General"),
                    }
                )
    return found


def build(product: str) -> App:
    app = App("grafana-standin")
    root = Path(os.environ.get("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"))
    admin = os.environ.get("GF_SECURITY_ADMIN_USER", "admin")
    password = secret("GF_SECURITY_ADMIN_PASSWORD") or secret("GF_SECURITY_ADMIN_PASSWORD_")  # Grafana's __FILE

    def authorized(req: Request) -> bool:
        scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic" or not password:
            return False
        try:
            given = base64.b64decode(value).decode()
        except ValueError:
            return False
        return given == f"{admin}:{password}"

    unauthorized = json_response({"message": "Unauthorized"}, 401)

    @app.route("GET", "/api/health")
    def health(_: Request) -> Response:
        return json_response({"commit": "standin", "database": "ok", "version": VERSION})

    @app.route("GET", "/metrics")
    def metrics(_: Request) -> Response:  # GF_METRICS_ENABLED=true: Grafana's own Prometheus metrics
        body = f'# TYPE grafana_build_info gauge\ngrafana_build_info{{edition="oss",version="{VERSION}"}} 1\n'
        return text_response(body, content_type="text/plain; version=0.0.4; charset=utf-8")

    @app.route("GET", "/api/search")
    def search(req: Request) -> Response:
        if not authorized(req):
            return unauthorized
        query = (req.arg("query") or "").lower()
        return json_response([d for d in dashboards(root) if query in str(d["title"]).lower()])

    @app.route("GET", "/api/datasources")
    def list_datasources(req: Request) -> Response:
        return json_response(datasources(root)) if authorized(req) else unauthorized

    return app
