"""radarr-standin / sonarr-standin / prowlarr-standin: the *arr apps' API, answered from a state a fault can change,
and (Radarr, Sonarr) their download handling done for real against the lab's qBittorrent.

Sources: https://radarr.video/docs/api/ , https://sonarr.tv/docs/api/ , https://prowlarr.com/docs/api/
(``GET /ping`` without auth; everything else with ``X-Api-Key``, Prowlarr under ``/api/v1``): ``system/status``,
``health`` (items ``{source, type, message, wikiUrl}``), ``downloadclient`` (GET/POST/DELETE, the qBittorrent
client with its ``fields``), ``rootfolder`` (``path``, ``accessible``, ``freeSpace``), ``indexer`` (Torznab
indexers that Prowlarr syncs: ``baseUrl`` ``http://prowlarr:9696/{id}/``), ``history`` (paged ``records``;
``eventType`` 1 grabbed, 3 downloadFolderImported, with ``downloadId`` the torrent's info hash in capitals and
``data.droppedPath``/``data.importedPath``); Prowlarr's ``indexer`` and ``applications``. Health follows
https://wiki.servarr.com/radarr/system#health: RootFolderCheck, DownloadClientCheck (none configured, or the
configured client unreachable), IndexerRssCheck/IndexerSearchCheck (none enabled).

State: ``$STANDIN_DATA/state.json`` (the app's /config volume), else memory.

Download handling (``$QBT_URL`` set): the app "grabs" its lab release once (``$LAB_RELEASE``,
``RELEASE=Library/Path``): it writes the release's file under ``/data/torrents/<category>/``, makes a .torrent
of it and adds it to qBittorrent (category = the app's), which checks the file and seeds it; then, every 10 s,
each completed torrent of its category is imported as the app imports: hardlinked into the root folder, and a
``downloadFolderImported`` history record names both paths. ``POST /_standin/grab`` ``{"release", "library",
"ratioLimit"}`` grabs one more release (what a search would find), with a per-torrent share limit if given: the
MAINT-05 fault grabs one whose seeding goal is met at once.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from standin import App, Request, Response, State, json_response, secret, text_response

APPS = {
    "radarr": ("Radarr", "5.14.0.9383", "v3", 7878),
    "sonarr": ("Sonarr", "4.0.11.2680", "v3", 8989),
    "prowlarr": ("Prowlarr", "1.28.2.4885", "v1", 9696),
}
STARTED = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
EVENT_TYPES = {"grabbed": 1, "downloadFolderImported": 3}
CATEGORY_FIELD = {"radarr": "movieCategory", "sonarr": "tvCategory"}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _reachable(target: str) -> bool:
    host, _, port = target.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def _field(resource: dict, name: str) -> object:
    return next((f.get("value") for f in resource.get("fields", []) if f.get("name") == name), None)


def download_client(product: str) -> dict:
    """The qBittorrent download client as the app lists it (password masked, as the API does)."""
    host, _, port = os.environ.get("DOWNLOAD_CLIENT", "gluetun:8080").rpartition(":")
    fields = [
        {"name": "host", "value": host},
        {"name": "port", "value": int(port)},
        {"name": "useSsl", "value": False},
        {"name": "urlBase", "value": ""},
        {"name": "username", "value": os.environ.get("QBT_USERNAME", "admin")},
        {"name": "password", "value": "********"},
        {"name": CATEGORY_FIELD[product], "value": product},
    ]
    return {
        "enable": True,
        "protocol": "torrent",
        "priority": 1,
        "removeCompletedDownloads": False,
        "removeFailedDownloads": True,
        "name": "qBittorrent",
        "fields": fields,
        "implementationName": "qBittorrent",
        "implementation": "QBittorrent",
        "configContract": "QBittorrentSettings",
        "infoLink": f"https://wiki.servarr.com/{product}/supported#qbittorrent",
        "tags": [],
        "id": 1,
    }


def synced_indexer(prowlarr_id: int = 1) -> dict:
    """A Torznab indexer as Prowlarr's sync writes it into Radarr or Sonarr."""
    return {
        "enableRss": True,
        "enableAutomaticSearch": True,
        "enableInteractiveSearch": True,
        "supportsRss": True,
        "supportsSearch": True,
        "protocol": "torrent",
        "priority": 25,
        "name": "LabTracker (Prowlarr)",
        "fields": [
            {"name": "baseUrl", "value": f"http://prowlarr:9696/{prowlarr_id}/"},
            {"name": "apiPath", "value": "/api"},
            {"name": "apiKey", "value": "********"},
        ],
        "implementationName": "Torznab",
        "implementation": "Torznab",
        "configContract": "TorznabSettings",
        "tags": [],
        "id": 1,
    }


def defaults(product: str) -> dict:
    if product == "prowlarr":
        apps = [
            {
                "syncLevel": "fullSync",
                "name": name,
                "fields": [
                    {"name": "prowlarrUrl", "value": "http://prowlarr:9696"},
                    {"name": "baseUrl", "value": f"http://{app}:{APPS[app][3]}"},
                ],
                "implementation": name,
                "id": n,
            }
            for n, (app, name) in enumerate((("radarr", "Radarr"), ("sonarr", "Sonarr")), 1)
        ]
        indexer = {"id": 1, "name": "LabTracker", "enable": True, "protocol": "torrent", "appProfileId": 1,
                   "implementation": "Cardigann", "definitionName": "labtracker", "privacy": "private"}  # fmt: skip
        return {"indexers": [indexer], "applications": apps}
    folders = [f for f in os.environ.get("ROOT_FOLDERS", "").split(":") if f]
    return {
        "downloadclients": [download_client(product)],
        "rootfolders": [{"path": f, "id": n} for n, f in enumerate(folders, 1)],
        "indexers": [synced_indexer()],
        "history": [],
    }


def health_items(product: str, state: dict) -> list[dict[str, str]]:
    """The current health items, computed as the app does: empty means healthy."""
    wiki = f"https://wiki.servarr.com/{product}/system"

    def item(source: str, kind: str, message: str, anchor: str) -> dict[str, str]:
        return {"source": source, "type": kind, "message": message, "wikiUrl": f"{wiki}#{anchor}"}

    items: list[dict[str, str]] = []
    for folder in state.get("rootfolders", []):
        if not Path(folder["path"]).is_dir():
            items.append(item("RootFolderCheck", "error", f"Missing root folder: {folder['path']}",
                              "missing-root-folder"))  # fmt: skip
    if product != "prowlarr":
        clients = [c for c in state["downloadclients"] if c.get("enable")]
        if not clients:
            items.append(item("DownloadClientCheck", "warning", "No download client is available",
                              "no-download-client-is-available"))  # fmt: skip
        elif not any(_reachable(f"{_field(c, 'host')}:{_field(c, 'port')}") for c in clients):
            items.append(item("DownloadClientCheck", "error", "All download clients are unavailable due to failures",
                              "download-clients-are-unavailable-due-to-failures"))  # fmt: skip
        if not any(i.get("enableRss") for i in state["indexers"]):
            items.append(item("IndexerRssCheck", "warning", "No indexers available with RSS sync enabled, "
                              f"{APPS[product][0]} will not grab new releases automatically",
                              "no-indexers-available-with-rss-sync-enabled"))  # fmt: skip
    elif not any(i.get("enable") for i in state["indexers"]):
        items.append(item("IndexerCheck", "warning", "No indexers available", "no-indexers-are-enabled"))
    return items


# --------------------------------------------------------------------------- torrents (BEP 3 metainfo)
def bencode(value: object) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def make_torrent(path: Path, piece_length: int = 16384) -> tuple[bytes, str]:
    """A single-file .torrent of `path` (no tracker: the lab's peers come in by the forwarded port) and its
    info hash (hex)."""
    data = path.read_bytes()
    pieces = b"".join(hashlib.sha1(data[i : i + piece_length]).digest() for i in range(0, len(data), piece_length))
    info = {"length": len(data), "name": path.name, "piece length": piece_length, "pieces": pieces}
    metainfo = {"created by": "orion-lab", "creation date": int(time.time()), "info": info}
    return bencode(metainfo), hashlib.sha1(bencode(info)).hexdigest()


def release_bytes(name: str, size: int = 262144) -> bytes:
    """A release's content: deterministic bytes, so that the same release is always the same torrent."""
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


class Qbt:
    """qBittorrent's WebUI API v2, as the app's download client uses it."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username, self.password = url.rstrip("/"), username, password
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = [("Referer", self.url)]

    def login(self) -> None:
        body = urllib.parse.urlencode({"username": self.username, "password": self.password}).encode()
        with self.opener.open(f"{self.url}/api/v2/auth/login", body, timeout=10) as resp:
            if resp.read() != b"Ok.":
                raise OSError("qBittorrent refused the login")

    def call(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
        for attempt in (1, 2):
            request = urllib.request.Request(f"{self.url}{path}", data, headers or {})
            try:
                with self.opener.open(request, timeout=15) as resp:
                    return bytes(resp.read())
            except urllib.error.HTTPError as exc:
                if exc.code != 403 or attempt == 2:
                    raise
                self.login()
        raise AssertionError("unreachable")

    def torrents(self, category: str) -> list[dict]:
        return list(json.loads(self.call(f"/api/v2/torrents/info?category={urllib.parse.quote(category)}")))

    def add(self, torrent: bytes, filename: str, savepath: str, category: str, extra: dict[str, str]) -> None:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="torrents"; filename="{filename}"\r\n'
            "Content-Type: application/x-bittorrent\r\n\r\n".encode()
            + torrent
            + b"\r\n"
        ]
        for key, value in (("savepath", savepath), ("category", category), ("autoTMM", "false"), *extra.items()):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        self.call("/api/v2/torrents/add", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def record(state: State, event: str, source: str, download_id: str, data: dict) -> None:
    def add(s: dict) -> None:
        s["history"].append({"id": len(s["history"]) + 1, "sourceTitle": source, "date": _now(),
                             "eventType": event, "downloadId": download_id, "data": data})  # fmt: skip

    state.change(add)


def grab(state: State, qbt: Qbt, category: str, release: str, library: str, extra: dict[str, str]) -> None:
    """Send a release to qBittorrent (its file written here: the lab's content is local) and record the grab."""
    folder = Path("/data/torrents") / category
    folder.mkdir(parents=True, exist_ok=True)
    content = folder / f"{release}.mkv"
    content.write_bytes(release_bytes(release))
    torrent, info_hash = make_torrent(content)
    qbt.add(torrent, f"{release}.torrent", str(folder), category, extra)
    record(state, "grabbed", release, info_hash.upper(), {"downloadClient": "qBittorrent", "library": library})


def handle_downloads(product: str, state: State, qbt: Qbt, release: str, library: str) -> None:
    """One pass: grab the lab release once and any release asked for, then import every completed download of the
    app's category."""
    category, root = product, state.get()["rootfolders"][0]["path"]
    wanted = [{"release": release, "library": library}] if release else []
    for ask in wanted + state.get().get("grabs", []):
        if not any(h["eventType"] == "grabbed" and h["sourceTitle"] == ask["release"] for h in state.get()["history"]):
            limits = {k: str(ask[k]) for k in ("ratioLimit", "seedingTimeLimit") if k in ask}
            grab(state, qbt, category, ask["release"], ask.get("library", ask["release"]), limits)
    imported = {h["downloadId"] for h in state.get()["history"] if h["eventType"] == "downloadFolderImported"}
    for torrent in qbt.torrents(category):
        download_id = torrent["hash"].upper()
        if torrent.get("progress", 0) < 1 or download_id in imported:
            continue
        grabbed = next((h for h in state.get()["history"] if h["downloadId"] == download_id), None)
        name = grabbed["data"].get("library") if grabbed else None
        dropped = Path(torrent["content_path"])
        target = Path(root) / (name or dropped.stem)
        target = target.with_name(target.name + dropped.suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            try:
                os.link(dropped, target)  # the same filesystem: an import is a hardlink
            except OSError:
                shutil.copy2(dropped, target)
        record(state, "downloadFolderImported", torrent["name"], download_id,
               {"droppedPath": str(dropped), "importedPath": str(target), "downloadClient": "qBittorrent",
                "downloadClientName": "qBittorrent"})  # fmt: skip


def download_worker(product: str, state: State) -> None:
    url = os.environ.get("QBT_URL", "")
    release, _, library = os.environ.get("LAB_RELEASE", "").partition("=")
    qbt = Qbt(url, os.environ.get("QBT_USERNAME", "admin"), secret("QBT_PASSWORD") or "")
    while True:
        try:
            handle_downloads(product, state, qbt, release, library)
        except (OSError, ValueError, KeyError, IndexError) as exc:
            print(f"{product}-standin: download handling: {exc}", flush=True)
        time.sleep(10)


def _paged(records: list[dict], req: Request) -> dict:
    page = int(req.arg("page") or 1)
    size = int(req.arg("pageSize") or 10)
    wanted = req.arg("eventType")
    if wanted:
        records = [r for r in records if str(EVENT_TYPES.get(r["eventType"], 0)) == wanted]
    records = sorted(records, key=lambda r: r["id"], reverse=(req.arg("sortDirection") or "descending") != "ascending")
    return {"page": page, "pageSize": size, "sortKey": req.arg("sortKey") or "date",
            "sortDirection": req.arg("sortDirection") or "descending", "totalRecords": len(records),
            "records": records[(page - 1) * size : page * size]}  # fmt: skip


def _collection(app: App, state: State, api: str, name: str, guard: Callable[[Request], bool]) -> None:
    """GET (list, one), POST (a new id) and DELETE of one of the app's resource collections."""

    @app.route("GET", f"/api/{api}/{name}")
    def listing(req: Request) -> Response:
        return json_response(state.get()[f"{name}s"]) if guard(req) else Response(401)

    @app.route("GET", rf"/api/{api}/{name}/(?P<id>\d+)")
    def one(req: Request) -> Response:
        if not guard(req):
            return Response(401)
        found = next((r for r in state.get()[f"{name}s"] if r["id"] == int(req.params["id"])), None)
        return json_response(found) if found else text_response("NotFound", 404)

    @app.route("POST", f"/api/{api}/{name}")
    def create(req: Request) -> Response:
        if not guard(req):
            return Response(401)
        body = req.json()
        if not isinstance(body, dict):
            return text_response("expected a JSON object", 400)

        def add(s: dict) -> dict:
            new = {**body, "id": max((r["id"] for r in s[f"{name}s"]), default=0) + 1}
            s[f"{name}s"].append(new)
            return new

        return json_response(state.change(add), 201)

    @app.route("DELETE", rf"/api/{api}/{name}/(?P<id>\d+)")
    def delete(req: Request) -> Response:
        if not guard(req):
            return Response(401)

        def drop(s: dict) -> bool:
            kept = [r for r in s[f"{name}s"] if r["id"] != int(req.params["id"])]
            found, s[f"{name}s"] = len(kept) != len(s[f"{name}s"]), kept
            return found

        return json_response({}) if state.change(drop) else text_response("NotFound", 404)


def build(product: str) -> App:
    name, version, api, _port = APPS[product]
    app = App(f"{product}-standin")
    api_key = secret("API_KEY")
    state = State(defaults(product), os.environ.get("STANDIN_DATA"))

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
        return json_response(health_items(product, state.get()))

    _collection(app, state, api, "indexer", authorized)
    if product == "prowlarr":

        @app.route("GET", f"/api/{api}/applications")
        def applications(req: Request) -> Response:
            return json_response(state.get()["applications"]) if authorized(req) else Response(401)

        return app

    _collection(app, state, api, "downloadclient", authorized)

    @app.route("GET", f"/api/{api}/rootfolder")
    def rootfolders(req: Request) -> Response:
        if not authorized(req):
            return Response(401)
        answer = []
        for folder in state.get()["rootfolders"]:
            path = Path(folder["path"])
            free = shutil.disk_usage(path).free if path.is_dir() else 0
            answer.append({**folder, "accessible": path.is_dir(), "freeSpace": free, "unmappedFolders": []})
        return json_response(answer)

    @app.route("POST", "/_standin/grab")
    def grab_more(req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("release"), str):
            return json_response({"error": 'expected {"release": NAME, "library": PATH, "ratioLimit": N}'}, 400)
        state.change(lambda s: s.setdefault("grabs", []).append(body))
        return json_response(body, 202)

    @app.route("GET", f"/api/{api}/history")
    def history(req: Request) -> Response:
        return json_response(_paged(state.get()["history"], req)) if authorized(req) else Response(401)

    if os.environ.get("QBT_URL"):
        threading.Thread(target=download_worker, args=(product, state), daemon=True).start()
    return app
