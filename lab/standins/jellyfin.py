"""jellyfin-standin: Jellyfin's health, public system info and media libraries, answered from a state a fault
can change.

Source: https://api.jellyfin.org/ (SystemController: GET /System/Info/Public, PublicSystemInfo;
LibraryStructureController: GET/POST/DELETE /Library/VirtualFolders, VirtualFolderInfo; ConfigurationController:
GET/POST /System/Configuration/{key}, ``encoding`` is EncodingOptions; UserController: GET /Users, POST
/Users/{userId}/Policy, UserPolicy) and https://jellyfin.org/docs/general/networking/monitoring/ (GET /health:
200 ``Healthy``, 503 ``Unhealthy``).

State (``$STANDIN_DATA/state.json``, else in memory): ``healthy``, ``libraries``, ``encoding`` (changes made
through the API over the options Jellyfin starts from: ``/config/encoding.xml``, the stack's file, when mounted)
and ``users`` (one administrator, transcoding off in its policy). A fault removes a library
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
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from standin import App, Request, Response, State, admin, json_response, secret, text_response

VERSION = "10.10.7"
LIBRARIES = [
    {"Name": "Movies", "CollectionType": "movies", "Locations": ["/data/media/movies"]},
    {"Name": "Shows", "CollectionType": "tvshows", "Locations": ["/data/media/tv"]},
]


ENCODING_XML = Path(os.environ.get("JELLYFIN_ENCODING_XML", "/config/encoding.xml"))
#: Jellyfin's own defaults for the options the checks read, when no encoding.xml is mounted.
ENCODING_DEFAULTS = {
    "HardwareAccelerationType": "none",
    "EnableHardwareEncoding": True,
    "AllowHevcEncoding": False,
    "AllowAv1Encoding": False,
    "EnableTonemapping": False,
}
ADMIN_ID = hashlib.md5(b"orion-admin").hexdigest()
USERS = [
    {
        "Name": "orion-admin",
        "Id": ADMIN_ID,
        "Policy": {
            "IsAdministrator": True,
            "IsDisabled": False,
            "EnableMediaPlayback": True,
            "EnableAudioPlaybackTranscoding": False,
            "EnableVideoPlaybackTranscoding": False,
            "EnablePlaybackRemuxing": False,
            "EnableRemoteAccess": True,
        },
    }
]


def _xml_value(text: str) -> object:
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.lstrip("-").isdigit() else text


def encoding_options() -> dict:
    """EncodingOptions as Jellyfin loads them: its defaults, overridden by the top-level elements of encoding.xml."""
    options: dict = dict(ENCODING_DEFAULTS)
    try:
        root = ET.parse(ENCODING_XML).getroot()
    except (OSError, ET.ParseError):
        return options
    for child in root:
        if len(child) == 0:
            options[child.tag] = _xml_value((child.text or "").strip())
    return options


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
    defaults = {"healthy": True, "libraries": LIBRARIES, "encoding": {}, "users": USERS}
    state = State(defaults, os.environ.get("STANDIN_DATA"))
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

    @app.route("GET", "/System/Configuration/encoding")
    def encoding(req: Request) -> Response:
        return refused(req) or json_response({**encoding_options(), **state.get()["encoding"]})

    @app.route("POST", "/System/Configuration/encoding")
    def set_encoding(req: Request) -> Response:
        if (denied := refused(req)) is not None:
            return denied
        body = req.json()
        if not isinstance(body, dict):
            return text_response("expected an EncodingOptions object", 400)
        base = encoding_options()
        state.change(lambda s: s.update(encoding={k: v for k, v in body.items() if base.get(k) != v}))
        return Response(204)

    @app.route("GET", "/Users")
    def users(req: Request) -> Response:
        return refused(req) or json_response(state.get()["users"])

    @app.route("POST", r"/Users/(?P<user>[0-9a-f]+)/Policy")
    def set_policy(req: Request) -> Response:
        if (denied := refused(req)) is not None:
            return denied
        body, user = req.json(), req.params["user"]
        if not isinstance(body, dict):
            return text_response("expected a UserPolicy object", 400)

        def put(s: dict) -> bool:
            for entry in s["users"]:
                if entry["Id"] == user:
                    entry["Policy"] = {**entry["Policy"], **body}
                    return True
            return False

        return Response(204) if state.change(put) else text_response("User not found", 404)

    # Recently added items and what the user played (`orion ask`, LLM-05): UserLibraryController (Jellyfin
    # >= 10.9) GET /Items/Latest?userId=…&isPlayed=false&limit=N (BaseItemDto list, newest first) and
    # PlaysessionController POST/DELETE /UserPlayedItems/{itemId}?userId=… (mark played / unplayed).
    added = {item["Id"]: item for item in _library_items()}

    @app.route("GET", "/Items/Latest")
    def latest(req: Request) -> Response:
        if (denied := refused(req)) is not None:
            return denied
        played = set(state.get().get("played", []))
        wanted = (req.arg("isPlayed") or "").lower()
        items = [{**i, "UserData": {"Played": i["Id"] in played}} for i in added.values()]
        if wanted in ("true", "false"):
            items = [i for i in items if i["UserData"]["Played"] == (wanted == "true")]
        items.sort(key=lambda i: i["DateCreated"], reverse=True)
        return json_response(items[: int(req.arg("limit") or 20)])

    @app.route("*", r"/UserPlayedItems/(?P<item>[0-9a-f]+)")
    def mark_played(req: Request) -> Response:
        if (denied := refused(req)) is not None:
            return denied
        item = req.params["item"]
        if item not in added:
            return text_response("Item not found", 404)
        on = req.method != "DELETE"
        state.change(lambda s: s.update(played=sorted((set(s.get("played", [])) - {item}) | ({item} if on else set()))))
        return json_response({"Played": on})

    return app


def _library_items() -> list[dict]:
    """A few movies and episodes, added over the last days (relative to the stand-in's start)."""
    now = time.time()
    rows = [("Dune: Part Two", "Movie", None, 2024, 166, 5), ("Perfect Days", "Movie", None, 2023, 124, 30),
            ("Pilot", "Episode", ("Severance", 1, 1), 2022, 57, 20), ("Hello, Ms. Cobel", "Episode",
            ("Severance", 2, 1), 2025, 50, 2), ("The Zone of Interest", "Movie", None, 2023, 105, 80)]  # fmt: skip
    items = []
    for name, kind, series, year, minutes, hours_ago in rows:
        item = {"Name": name, "Type": kind, "Id": hashlib.md5(name.encode()).hexdigest(), "ProductionYear": year,
                "RunTimeTicks": minutes * 600_000_000, "DateCreated": time.strftime(
                    "%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(now - hours_ago * 3600))}  # fmt: skip
        if series:
            item |= {"SeriesName": series[0], "ParentIndexNumber": series[1], "IndexNumber": series[2]}
        items.append(item)
    return items
