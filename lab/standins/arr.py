"""radarr-standin / sonarr-standin / prowlarr-standin: the *arr apps' ping, status and health API.

Sources: https://radarr.video/docs/api/ , https://sonarr.tv/docs/api/ , https://prowlarr.com/docs/api/
(``GET /ping`` without auth; ``/api/v3/system/status`` and ``/api/v3/health`` with ``X-Api-Key``, Prowlarr
under ``/api/v1``; health items are ``{source, type, message, wikiUrl}``) and
https://wiki.servarr.com/radarr/system#health for the checks modelled here.

Health is computed the way the apps compute it, from real state, so a fault breaks it realistically:
- RootFolderCheck: every path in ``$ROOT_FOLDERS`` (colon-separated) must exist and be a directory;
- DownloadClientCheck: ``$DOWNLOAD_CLIENT`` (host:port) must accept a TCP connection;
- IndexerStatusCheck (Prowlarr): same with ``$INDEXER`` when set.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from standin import App, Request, Response, json_response, secret

APPS = {
    "radarr": ("Radarr", "5.14.0.9383", "v3", 7878),
    "sonarr": ("Sonarr", "4.0.11.2680", "v3", 8989),
    "prowlarr": ("Prowlarr", "1.28.2.4885", "v1", 9696),
}
STARTED = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _reachable(target: str) -> bool:
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def health_items(product: str) -> list[dict[str, str]]:
    """The current health items: empty means healthy."""
    wiki = f"https://wiki.servarr.com/{product}/system"
    items: list[dict[str, str]] = []
    for folder in filter(None, os.environ.get("ROOT_FOLDERS", "").split(":")):
        if not Path(folder).is_dir():
            items.append(
                {
                    "source": "RootFolderCheck",
                    "type": "error",
                    "message": f"Missing root folder: {folder}",
                    "wikiUrl": f"{wiki}#missing-root-folder",
                }
            )
    client = os.environ.get("DOWNLOAD_CLIENT")
    if client and not _reachable(client):
        items.append(
            {
                "source": "DownloadClientCheck",
                "type": "error",
                "message": "All download clients are unavailable due to failures",
                "wikiUrl": f"{wiki}#download-clients-are-unavailable-due-to-failures",
            }
        )
    indexer = os.environ.get("INDEXER")
    if indexer and not _reachable(indexer):
        items.append(
            {
                "source": "IndexerStatusCheck",
                "type": "warning",
                "message": "Indexers unavailable due to failures: lab-indexer",
                "wikiUrl": f"{wiki}#indexers-are-unavailable-due-to-failures",
            }
        )
    return items


def build(product: str) -> App:
    name, version, api, _port = APPS[product]
    app = App(f"{product}-standin")
    api_key = secret("API_KEY")

    def authorized(req: Request) -> bool:
        given = req.headers.get("X-Api-Key") or req.arg("apikey")
        return bool(api_key) and given == api_key

    @app.route("GET", "/ping")
    def ping(_: Request) -> Response:
        return json_response({"status": "OK"})

    @app.route("GET", f"/api/{api}/system/status")
    def status(req: Request) -> Response:
        if not authorized(req):
            return Response(401)
        return json_response(
            {
                "appName": name,
                "instanceName": name,
                "version": version,
                "buildTime": "2024-12-01T00:00:00Z",
                "isDebug": False,
                "isProduction": True,
                "isAdmin": False,
                "isUserInteractive": False,
                "startupPath": f"/app/{product}/bin",
                "appData": "/config",
                "osName": "debian",
                "osVersion": "12",
                "isDocker": True,
                "isLinux": True,
                "branch": "master",
                "authentication": "forms",
                "urlBase": "",
                "runtimeVersion": "8.0.10",
                "runtimeName": ".NET",
                "startTime": STARTED,
                "packageUpdateMechanism": "docker",
            }
        )

    @app.route("GET", f"/api/{api}/health")
    def health(req: Request) -> Response:
        if not authorized(req):
            return Response(401)
        return json_response(health_items(product))

    return app
