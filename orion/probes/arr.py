"""Radarr, Sonarr and Prowlarr through their APIs (`X-Api-Key`; Radarr and Sonarr `/api/v3`, Prowlarr `/api/v1`),
and where their files are on the node: the media tree is the HDD's `data/` directory, mounted at `/data` in every
container of the stack (MEDIA-04/05).

Sources: https://radarr.video/docs/api/ , https://sonarr.tv/docs/api/ , https://prowlarr.com/docs/api/ (health,
downloadclient, rootfolder, indexer, history with `eventType` 3 = downloadFolderImported and `downloadId` the
torrent's info hash; Prowlarr's indexer and applications).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from orion.inventory import Host
from orion.outcomes import CannotObserve
from orion.probes import desired
from orion.probes.http import ServiceClient

API = {"radarr": "v3", "sonarr": "v3", "prowlarr": "v1"}
IMPORTERS = ("radarr", "sonarr")
DOWNLOAD_FOLDER_IMPORTED = 3
#: The media tree in the containers (the stack mounts ${HDD_PATH}/data there).
DATA = PurePosixPath("/data")


def field(resource: dict[str, Any], name: str) -> Any:
    """The value of one of a resource's `fields` (download clients, indexers, applications)."""
    return next((f.get("value") for f in resource.get("fields", []) if f.get("name") == name), None)


@dataclass(frozen=True)
class Import:
    """One `downloadFolderImported` record: the download qBittorrent holds, and the file it became."""

    app: str
    download_id: str  # the torrent's info hash, in capitals
    dropped: str  # the download, as the app saw it (container path)
    imported: str  # the library file
    date: str


class Arr:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.name = client.service.name
        if self.name not in API:
            raise CannotObserve(f"{self.name} is not one of the *arr apps ({', '.join(API)})")
        self.base = f"/api/{API[self.name]}"

    def ping(self) -> Any:
        return self.client.json("/ping")

    def list(self, resource: str, **params: Any) -> list[dict[str, Any]]:
        found = self.client.json(f"{self.base}/{resource}", params=params or None)
        if not isinstance(found, list):
            raise CannotObserve(f"{self.name}: {self.base}/{resource} did not answer a list")
        return found

    def imports(self, limit: int = 500) -> list[Import]:
        """The latest `downloadFolderImported` records, newest first."""
        records: list[dict[str, Any]] = []
        page = 1
        while len(records) < limit:
            params = {"page": page, "pageSize": 100, "sortKey": "date", "sortDirection": "descending",
                      "eventType": DOWNLOAD_FOLDER_IMPORTED}  # fmt: skip
            answer = self.client.json(f"{self.base}/history", params=params)
            batch = answer.get("records", []) if isinstance(answer, dict) else []
            records += [r for r in batch if r.get("eventType") == "downloadFolderImported"]
            if len(batch) < 100:
                break
            page += 1
        return [Import(self.name, str(r.get("downloadId", "")).upper(), (r.get("data") or {}).get("droppedPath", ""),
                       (r.get("data") or {}).get("importedPath", ""), str(r.get("date", "")))
                for r in records[:limit] if (r.get("data") or {}).get("importedPath")]  # fmt: skip


def on_host(node: Host, path: str) -> str | None:
    """Where a container path of the media tree is on the node (`/data/x` -> `<HDD>/data/x`), None outside it."""
    pure = PurePosixPath(path)
    if not pure.is_relative_to(DATA):
        return None
    mount = desired.var(node, "storage", "storage_mount_point")
    return str(PurePosixPath(mount) / "data" / pure.relative_to(DATA))


@dataclass(frozen=True)
class FileStat:
    path: str
    device: int
    links: int
    inode: int


def stat(host: Any, paths: list[str]) -> dict[str, FileStat]:
    """`stat` of paths on the node over SSH: the ones that exist, by path."""
    if not paths:
        return {}
    ran = host.run(f"stat -c '%d %h %i %n' -- {' '.join(shlex.quote(p) for p in paths)}", sudo=True)
    found: dict[str, FileStat] = {}
    for line in ran.stdout.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and all(p.isdigit() for p in parts[:3]):
            found[parts[3]] = FileStat(parts[3], int(parts[0]), int(parts[1]), int(parts[2]))
    if ran.rc not in (0, 1) or (ran.rc == 1 and "No such file" not in ran.stderr and not found):
        raise CannotObserve(f"{host.name}: stat failed ({(ran.stderr or ran.stdout).strip()[:200]})")
    return found
