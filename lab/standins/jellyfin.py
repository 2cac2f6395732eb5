"""jellyfin-standin: Jellyfin's health, public system info and media libraries, answered from a state a fault
can change.

Source: https://api.jellyfin.org/ (SystemController: GET /System/Info/Public, PublicSystemInfo;
LibraryStructureController: GET/POST/DELETE /Library/VirtualFolders, VirtualFolderInfo) and
https://jellyfin.org/docs/general/networking/monitoring/ (GET /health: 200 ``Healthy``, 503 ``Unhealthy``).

State (``$STANDIN_DATA/state.json``, else in memory): ``healthy`` and ``libraries``. A fault removes a library
with Jellyfin's own ``DELETE /Library/VirtualFolders?name=…`` and heals with ``POST`` (``name``,
``collectionType``, ``paths``); health has no API in Jellyfin, so ``PATCH /_standin/state {"healthy": false}``.
``/Library/*`` needs a token, as in Jellyfin (``X-Emby-Token``, ``Authorization: MediaBrowser Token="…"`` or
``api_key``): ``$JELLYFIN_API_KEY`` (or ``_FILE``) when set, else any token.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket

from standin import App, Request, Response, State, admin, json_response, secret, text_response

VERSION = "10.10.7"
LIBRARIES = [
    {"Name": "Movies", "CollectionType": "movies", "Locations": ["/data/media/movies"]},
    {"Name": "Shows", "CollectionType": "tvshows", "Locations": ["/data/media/tv"]},
]


def _token(req: Request) -> str | None:
    auth = req.headers.get("Authorization") or req.headers.get("X-Emby-Authorization") or ""
    found = re.search(r'Token="([^"]*)"', auth)
    return (
        req.headers.get("X-Emby-Token")
        or req.headers.get("X-MediaBrowser-Token")
        or (found[1] if found else None)
        or req.arg("api_key")
    )


def _folder(library: dict) -> dict:
    """A VirtualFolderInfo, with a stable ItemId per name."""
    item_id = hashlib.md5(library["Name"].encode()).hexdigest()
    return {**library, "ItemId": item_id, "RefreshStatus": "Idle", "LibraryOptions": {}}


def build(product: str) -> App:
    app = App("jellyfin-standin")
    name = os.environ.get("JELLYFIN_SERVER_NAME", socket.gethostname())
    server_id = hashlib.md5(name.encode()).hexdigest()  # stable per server name, like Jellyfin's 32-hex id
    state = State({"healthy": True, "libraries": LIBRARIES}, os.environ.get("STANDIN_DATA"))
    admin(app, state, {"healthy"})
    api_key = secret("JELLYFIN_API_KEY")

    def refused(req: Request) -> Response | None:
        token = _token(req)
        if not token or (api_key is not None and token != api_key):
            return text_response("Unauthorized", 401)
        return None

    @app.route("GET", "/health")
    def health(_: Request) -> Response:
        return text_response("Healthy") if state.get()["healthy"] else text_response("Unhealthy", 503)

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

    @app.route("GET", "/Library/VirtualFolders")
    def folders(req: Request) -> Response:
        return refused(req) or json_response([_folder(lib) for lib in state.get()["libraries"]])

    @app.route("POST", "/Library/VirtualFolders")
    def add(req: Request) -> Response:
        if (denied := refused(req)) is not None:
            return denied
        new = req.arg("name")
        if not new:
            return text_response("name is required", 400)
        library = {"Name": new, "CollectionType": req.arg("collectionType"), "Locations": req.query.get("paths", [])}

        def put(s: dict) -> bool:
            if any(lib["Name"] == new for lib in s["libraries"]):
                return False
            s["libraries"].append(library)
            return True

        return Response(204) if state.change(put) else text_response("A library with this name already exists", 400)

    @app.route("DELETE", "/Library/VirtualFolders")
    def remove(req: Request) -> Response:
        if (denied := refused(req)) is not None:
            return denied
        gone = req.arg("name")

        def drop(s: dict) -> bool:
            kept = [lib for lib in s["libraries"] if lib["Name"] != gone]
            found, s["libraries"] = len(kept) != len(s["libraries"]), kept
            return found

        return Response(204) if state.change(drop) else text_response(f"no library named {gone!r}", 404)

    return app
