"""The media server and the torrent client, through their own APIs: Jellyfin's recently added items not yet
watched (`GET /Items/Latest?userId=…&isPlayed=false`, Jellyfin ≥ 10.9; the user from `GET /Users`), and
qBittorrent's status (`/api/v2/transfer/info`, `/api/v2/torrents/info`; login with the inventory's credentials)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from orion import inventory as inventory_mod
from orion.assistant.tools.base import Result, SourceDown, call, client

LATEST = "/Items/Latest"


def _jellyfin_headers(inv: inventory_mod.Inventory) -> dict[str, str]:
    found = inv.service("jellyfin")
    key = found[1].api_key if found else None
    if key is None:
        raise SourceDown("jellyfin", "no API key in the inventory (orion_services.jellyfin.api_key)")
    return {"Authorization": f'MediaBrowser Token="{key.reveal()}"'}


def unwatched(inv: inventory_mod.Inventory, limit: int = 10) -> Result:
    """The latest items added to Jellyfin that the (first) user has not played, newest first."""
    headers = _jellyfin_headers(inv)
    jf = client(inv, "jellyfin")
    users = call("jellyfin", lambda: jf.json("/Users", headers=headers))
    if not isinstance(users, list) or not users:
        raise SourceDown("jellyfin", "GET /Users listed no user")
    user = next((u for u in users if (u.get("Policy") or {}).get("IsAdministrator")), users[0])
    params = {"userId": user["Id"], "isPlayed": "false", "limit": str(limit), "groupItems": "false",
              "fields": "DateCreated"}  # fmt: skip
    items = call("jellyfin", lambda: jf.json(LATEST, params=params, headers=headers))
    rows = [_item(i) for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    rows.sort(key=lambda r: r["added"] or "", reverse=True)
    return Result("jellyfin.unwatched", rows, f"Jellyfin GET {LATEST}?isPlayed=false (user {user.get('Name')})")


def _item(item: dict[str, Any]) -> dict[str, Any]:
    ticks = item.get("RunTimeTicks") or 0
    title = str(item.get("Name") or "?")
    if item.get("Type") == "Episode" and item.get("SeriesName"):
        season, episode = item.get("ParentIndexNumber"), item.get("IndexNumber")
        code = f" S{season:02d}E{episode:02d}" if isinstance(season, int) and isinstance(episode, int) else ""
        title = f"{item['SeriesName']}{code} – {title}"
    minutes = round(ticks / 600_000_000) if ticks else None
    return {"title": title, "type": item.get("Type") or "?", "year": item.get("ProductionYear"),
            "minutes": minutes, "added": _date(item.get("DateCreated"))}  # fmt: skip


def _date(stamp: Any) -> str | None:
    try:
        # Jellyfin writes 7 fractional digits (.NET ticks); Python reads up to 6.
        text = re.sub(r"(\.\d{6})\d+", r"\1", str(stamp)).replace("Z", "+00:00")
        return datetime.fromisoformat(text).astimezone().isoformat()
    except ValueError:
        return None


def torrents(inv: inventory_mod.Inventory) -> Result:
    """qBittorrent's connection status, speeds, and its torrents by state."""
    found = inv.service("qbittorrent")
    if found is None:
        raise SourceDown("qbittorrent", "no orion_services entry 'qbittorrent'")
    service = found[1]
    qb = client(inv, "qbittorrent")
    if service.username and service.password is not None:
        form = {"username": service.username, "password": service.password.reveal()}
        login = call("qbittorrent", lambda: qb.request("POST", "/api/v2/auth/login", data=form,
                                                       headers={"Referer": service.url}))  # fmt: skip
        if login.status_code != 200 or "Fails" in login.text:
            raise SourceDown("qbittorrent", f"login refused (HTTP {login.status_code})")
    info = call("qbittorrent", lambda: qb.json("/api/v2/transfer/info"))
    items = call("qbittorrent", lambda: qb.json("/api/v2/torrents/info"))
    states: dict[str, int] = {}
    for t in items if isinstance(items, list) else []:
        states[str(t.get("state"))] = states.get(str(t.get("state")), 0) + 1
    data = {"connection": info.get("connection_status"), "down_bps": info.get("dl_info_speed"),
            "up_bps": info.get("up_info_speed"), "torrents": len(items) if isinstance(items, list) else 0,
            "states": states}  # fmt: skip
    return Result("qbittorrent.status", data, "qBittorrent GET /api/v2/transfer/info, /api/v2/torrents/info")
