"""grafana-standin: Grafana's health, search and datasources HTTP API, fed by Grafana's provisioning files.

Sources: https://grafana.com/docs/grafana/latest/developers/http_api/other/#health-api
(``GET /api/health`` -> ``{"commit", "database": "ok", "version"}``, no auth),
https://grafana.com/docs/grafana/latest/developers/http_api/folder_dashboard_search/ (``GET /api/search``),
https://grafana.com/docs/grafana/latest/developers/http_api/data_source/ (``GET /api/datasources``;
``GET /api/datasources/uid/<uid>/health`` -> 200 ``{"status": "OK", "message"}`` or 400 ``{"status": "ERROR"}``),
https://grafana.com/docs/grafana/latest/developers/http_api/dashboard/ (``GET /api/dashboards/uid/<uid>`` ->
``{"dashboard": {...}, "meta": {"provisioned": true, ...}}``, 404 ``{"message": "Dashboard not found"}``) and
https://grafana.com/docs/grafana/latest/administration/provisioning/ (datasources/*.yaml, dashboards providers).

Datasources and dashboards are read from ``$GF_PATHS_PROVISIONING`` (default /etc/grafana/provisioning) on
each request, so a broken provisioning file shows up as a missing datasource or dashboard. A datasource's health
is real: the stand-in asks the datasource itself, as Grafana's backend does (Prometheus: an instant query of
``1+1``; Loki: its label names). State (``$STANDIN_DATA/state.json``, else in memory): ``unloadable``, uids of
dashboards whose JSON Grafana cannot load (a bad edit of the provisioned file); the lab's files are read-only
mounts of stacks/, so a fault sets it with the stand-in's ``PATCH /_standin/state``.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from standin import App, Request, Response, State, json_response, secret, text_response
from standin import admin as standin_admin

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


#: What Grafana's backend asks each datasource type for its health check, and what it says when that works.
HEALTH = {
    "prometheus": ("/api/v1/query?query=1%2B1", "Successfully queried the Prometheus API."),
    "loki": ("/loki/api/v1/labels", "Data source successfully connected."),
}


def health_of(ds: dict[str, Any]) -> tuple[int, dict[str, str]]:
    """A datasource's health, asked of the datasource itself."""
    probe = HEALTH.get(str(ds.get("type")))
    if probe is None:
        return 200, {"status": "OK", "message": "Health check not implemented for this type (grafana-standin)"}
    path, ok = probe
    try:
        with urllib.request.urlopen(str(ds.get("url", "")).rstrip("/") + path, timeout=5) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return 400, {"status": "ERROR", "message": f"{ds.get('type')}: {getattr(exc, 'reason', exc)}"}
    return 200, {"status": "OK", "message": ok}


def dashboard_files(root: Path) -> list[tuple[dict[str, Any], Path]]:
    """Every dashboard JSON file of every file provider, with its provider."""
    found = []
    for doc in _yaml_files(root / "dashboards"):
        for provider in doc.get("providers") or []:
            folder = Path(str((provider.get("options") or {}).get("path", "")))
            found += [(provider, path) for path in (sorted(folder.rglob("*.json")) if folder.is_dir() else [])]
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
    state = State({"unloadable": []}, os.environ.get("STANDIN_DATA"))
    standin_admin(app, state, {"unloadable"})
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

    @app.route("GET", r"/api/datasources/uid/(?P<uid>[^/]+)/health")
    def datasource_health(req: Request) -> Response:
        if not authorized(req):
            return unauthorized
        ds = next((d for d in datasources(root) if d["uid"] == req.params["uid"]), None)
        if ds is None:
            return json_response({"message": "Data source not found"}, 404)
        status, body = health_of(ds)
        return json_response(body, status)

    @app.route("GET", r"/api/dashboards/uid/(?P<uid>[^/]+)")
    def dashboard(req: Request) -> Response:
        if not authorized(req):
            return unauthorized
        uid = req.params["uid"]
        for provider, path in dashboard_files(root):
            try:
                dash = json.loads(path.read_text())
            except ValueError:
                continue
            if (dash.get("uid") or path.stem) != uid or uid in state.get()["unloadable"]:
                continue
            meta = {
                "type": "db",
                "slug": uid,
                "provisioned": True,
                "provisionedExternalId": path.name,
                "folderTitle": provider.get("folder", "General"),
                "folderUid": provider.get("folderUid", ""),
            }
            return json_response({"dashboard": dash, "meta": meta})
        return json_response({"message": "Dashboard not found"}, 404)

    return app
