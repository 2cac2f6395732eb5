"""qBittorrent: its seed configuration (qBittorrent.conf, INI: values with their file:line), and its running state
through the WebUI API v2 (https://github.com/qbittorrent/qBittorrent/wiki/WebUI-API-(qBittorrent-4.1))."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import httpx

from orion.errors import ConfigError
from orion.outcomes import CannotObserve
from orion.probes import located
from orion.probes.compose import Stack
from orion.probes.http import ServiceClient


class QbtConf:
    def __init__(self, path: Path) -> None:
        self.path = path
        text = located.text(path)
        self.values: dict[tuple[str, str], tuple[str, int]] = {}
        section = ""
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith((";", "#")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ConfigError(path, number, "expected key=value")
            self.values[(section, key.strip())] = (value.strip(), number)

    @staticmethod
    def of(stack: Stack) -> QbtConf:
        """The stack's qbittorrent/qBittorrent.conf (the seed configuration qBittorrent starts from)."""
        return QbtConf(located.read(stack.dir / "qbittorrent" / "qBittorrent.conf"))

    def get(self, section: str, key: str) -> tuple[str | None, str]:
        """The value of `section/key` (None when absent) and where it is (or the file)."""
        value, line = self.values.get((section, key), (None, None))
        return value, located.at(self.path, line)


class QbtApi:
    """qBittorrent's WebUI API v2 through the inventory's client: a session cookie from `POST /api/v2/auth/login`
    (the inventory's username and password; `Referer` must match the host), renewed once when it expires.

    A login refused ("Fails.", or 403 after too many failures: qBittorrent bans the address) cannot be observed.
    """

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.logged_in = False

    @staticmethod
    def of(client: ServiceClient) -> QbtApi:
        """One session per client for the whole run."""
        if client not in _sessions:
            _sessions[client] = QbtApi(client)
        return _sessions[client]

    def _login(self) -> None:
        service = self.client.service
        if not service.username or service.password is None:
            raise CannotObserve(f"{service.name}: the inventory gives no username and password for qBittorrent")
        response = self.client.request(
            "POST",
            "/api/v2/auth/login",
            auth_expected=False,
            data={"username": service.username, "password": service.password.reveal()},
            headers={"Referer": service.url},
        )
        if response.status_code != 200 or response.text.strip() != "Ok.":
            detail = "banned after failed logins" if response.status_code == 403 else "credentials refused"
            raise CannotObserve(f"{service.name}: POST /api/v2/auth/login: {detail} ({response.status_code})")
        self.logged_in = True

    def get(self, path: str, **params: Any) -> httpx.Response:
        if not self.logged_in:
            self._login()
        response = self.client.request("GET", path, auth_expected=False, params=params or None)
        if response.status_code == 403:  # the session expired: log in once more
            self._login()
            response = self.client.request("GET", path, auth_expected=False, params=params or None)
        if response.is_error:
            raise CannotObserve(f"{self.client.service.name}: GET {path} answered {response.status_code}")
        return response

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        """A form POST (an action: delete, setPreferences…); an error status cannot be observed."""
        if not self.logged_in:
            self._login()
        headers = {"Referer": self.client.service.url}
        response = self.client.request("POST", path, auth_expected=False, data=data, headers=headers)
        if response.status_code == 403:
            self._login()
            response = self.client.request("POST", path, auth_expected=False, data=data, headers=headers)
        if response.is_error:
            raise CannotObserve(f"{self.client.service.name}: POST {path} answered {response.status_code}")
        return response

    def json(self, path: str, **params: Any) -> Any:
        try:
            return self.get(path, **params).json()
        except ValueError:
            raise CannotObserve(f"{self.client.service.name}: GET {path} did not answer JSON") from None

    def preferences(self) -> dict[str, Any]:
        """`/api/v2/app/preferences`: listen_port, current_network_interface, share limits, save_path…"""
        return dict(self.json("/api/v2/app/preferences"))

    def transfer(self) -> dict[str, Any]:
        """`/api/v2/transfer/info`: connection_status (connected|firewalled|disconnected), speeds, totals."""
        return dict(self.json("/api/v2/transfer/info"))

    def torrents(self, **params: Any) -> list[dict[str, Any]]:
        """`/api/v2/torrents/info` (filter=, category=, hashes=…): one dict per torrent."""
        return list(self.json("/api/v2/torrents/info", **params))


_sessions: WeakKeyDictionary[ServiceClient, QbtApi] = WeakKeyDictionary()

#: Torrent states (`state` of /api/v2/torrents/info, 4.x and 5.x names) by what they mean for a check.
ERRORED = frozenset({"error", "missingFiles"})
STALLED = frozenset({"stalledDL"})
STOPPED_COMPLETE = frozenset({"pausedUP", "stoppedUP"})
COMPLETE = frozenset({"uploading", "stalledUP", "queuedUP", "forcedUP", "checkingUP"}) | STOPPED_COMPLETE


def seeding_goal_met_for(torrent: dict[str, Any], now: float) -> float | None:
    """How long ago a complete torrent met its seeding goal (qBittorrent's effective `max_ratio`, and
    `max_seeding_time` in minutes; -1 is no limit), None while it has not.

    A time goal is exact (`seeding_time` past the limit). A ratio goal is dated by the torrent's last activity: it
    was reached by uploading, and a torrent that qBittorrent stopped at its limit uploads no more."""
    if torrent.get("progress", 0) < 1:
        return None
    met: list[float] = []
    minutes = torrent.get("max_seeding_time", -1)
    seeding = float(torrent.get("seeding_time", 0) or 0)
    if isinstance(minutes, int | float) and minutes >= 0 and seeding >= minutes * 60:
        met.append(seeding - minutes * 60)
    ratio = torrent.get("max_ratio", -1)
    if isinstance(ratio, int | float) and ratio >= 0 and float(torrent.get("ratio", 0) or 0) >= ratio:
        since = max(float(torrent.get("last_activity", 0) or 0), float(torrent.get("completion_on", 0) or 0))
        met.append(max(0.0, now - since))
    return max(met) if met else None


Torrent = dict[str, Any]


def due_for_cleanup(torrents: list[Torrent], imported: set[str], now: float) -> list[tuple[Torrent, float]]:
    """MAINT-05: the torrents the cleanup removes, with how long ago each met its seeding goal: imported (its info
    hash, in capitals, is a `downloadId` of the *arr history's imports) and past its seeding goal. Nothing else."""
    due = []
    for torrent in torrents:
        if torrent.get("hash", "").upper() in imported and (since := seeding_goal_met_for(torrent, now)) is not None:
            due.append((torrent, since))
    return due
