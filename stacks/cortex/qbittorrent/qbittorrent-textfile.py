#!/usr/bin/env python3
"""qBittorrent's metrics for node-exporter's textfile collector (TORR-04): every 15 s, read the WebUI API
(``/api/v2/transfer/info``, ``/api/v2/torrents/info``, ``/api/v2/app/preferences``) and write
``<dir>/qbittorrent.prom`` atomically (a temporary file, then a rename: node-exporter reads only ``*.prom``).

Runs as the stack's ``qbittorrent-exporter`` service (stacks/cortex/compose.yml), in Gluetun's network namespace
as qBittorrent is, so the WebUI is on 127.0.0.1; needs only python3 (the lab runs it with its qBittorrent image's).
Metrics:

    qbittorrent_up                                      1 when the API answered this round, else 0
    qbittorrent_connection_status{status}               1 for the current one (connected|firewalled|disconnected)
    qbittorrent_download_speed_bytes / _upload_speed_bytes   current rates (bytes/s)
    qbittorrent_downloaded_bytes / qbittorrent_uploaded_bytes  this session's totals
    qbittorrent_listen_port                             the port it listens on (TORR-03)
    qbittorrent_torrents{state}                         torrents per state (uploading, stalledDL, missingFiles…)
    qbittorrent_torrents_active / qbittorrent_torrents_errored   as the WebUI's Active and Errored filters
    qbittorrent_exporter_last_success_timestamp_seconds when the API last answered (Unix time)
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import signal
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ERRORED = {"error", "missingFiles"}
STATES = ("error", "missingFiles", "uploading", "pausedUP", "stoppedUP", "queuedUP", "stalledUP", "checkingUP",
          "forcedUP", "allocating", "downloading", "metaDL", "pausedDL", "stoppedDL", "queuedDL", "stalledDL",
          "checkingDL", "forcedDL", "checkingResumeData", "moving", "unknown")  # fmt: skip


def password() -> str:
    path = os.environ.get("QBT_PASSWORD_FILE")
    if path and Path(path).exists():
        return Path(path).read_text().strip()
    return os.environ.get("QBT_PASSWORD", "")


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = [("Referer", base)]

    def login(self) -> None:
        form = {"username": os.environ.get("QBT_USERNAME", "admin"), "password": password()}
        with self.opener.open(f"{self.base}/api/v2/auth/login", urllib.parse.urlencode(form).encode(), timeout=5) as r:
            if r.read() != b"Ok.":
                raise OSError("login refused")

    def get(self, path: str) -> object:
        try:
            with self.opener.open(f"{self.base}{path}", timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as exc:
            if exc.code != 403:
                raise
        self.login()
        with self.opener.open(f"{self.base}{path}", timeout=10) as r:
            return json.loads(r.read())


def _number(value: float) -> str:
    """Integers as integers, other values in full (a Unix time must keep its seconds)."""
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 3))


def render(transfer: dict, torrents: list[dict], prefs: dict, now: float) -> str:
    lines = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{name}{labels} {_number(value)}" for labels, value in samples)

    metric("qbittorrent_up", "gauge", "1 when qBittorrent's API answered.", [("", 1)])
    current = transfer.get("connection_status", "")
    metric(
        "qbittorrent_connection_status",
        "gauge",
        "1 for qBittorrent's current connection status.",
        [(f'{{status="{s}"}}', float(s == current)) for s in ("connected", "firewalled", "disconnected")],
    )
    metric("qbittorrent_download_speed_bytes", "gauge", "Download rate (bytes/s).", [("", transfer["dl_info_speed"])])
    metric("qbittorrent_upload_speed_bytes", "gauge", "Upload rate (bytes/s).", [("", transfer["up_info_speed"])])
    metric("qbittorrent_downloaded_bytes", "gauge", "Downloaded this session.", [("", transfer["dl_info_data"])])
    metric("qbittorrent_uploaded_bytes", "gauge", "Uploaded this session.", [("", transfer["up_info_data"])])
    metric("qbittorrent_listen_port", "gauge", "The port qBittorrent listens on.", [("", prefs.get("listen_port", 0))])
    counts = {s: 0 for s in STATES}
    for t in torrents:
        counts[t.get("state", "unknown")] = counts.get(t.get("state", "unknown"), 0) + 1
    metric("qbittorrent_torrents", "gauge", "Torrents per state.", [(f'{{state="{s}"}}', n) for s, n in counts.items()])
    active = sum(1 for t in torrents if t.get("dlspeed", 0) > 0 or t.get("upspeed", 0) > 0)
    metric("qbittorrent_torrents_active", "gauge", "Torrents transferring now.", [("", active)])
    errored = sum(n for s, n in counts.items() if s in ERRORED)
    metric("qbittorrent_torrents_errored", "gauge", "Torrents in error or with missing files.", [("", errored)])
    metric("qbittorrent_exporter_last_success_timestamp_seconds", "gauge", "When qBittorrent's API last answered.",
           [("", now)])  # fmt: skip
    return "\n".join(lines) + "\n"


def write(directory: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".qbittorrent.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, directory / "qbittorrent.prom")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TEXTFILE_DIR", "/textfile")))
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('WEBUI_PORT', '8080')}")
    parser.add_argument("--interval", type=float, default=15)
    args = parser.parse_args()
    # PID 1 of its container: without a handler, SIGTERM is ignored and every `docker stop` waits for SIGKILL
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    api, last_success, started = Api(args.url), previous_success(args.dir), time.monotonic()
    while True:
        try:
            transfer, torrents = api.get("/api/v2/transfer/info"), api.get("/api/v2/torrents/info")
            prefs = api.get("/api/v2/app/preferences")
            last_success = time.time()
            write(args.dir, render(transfer, torrents, prefs, last_success))  # type: ignore[arg-type]
        except (OSError, ValueError, KeyError) as exc:
            if time.monotonic() - started < 60:  # qBittorrent starting beside us: not down yet, ask again soon
                time.sleep(1)
                continue
            print(f"qbittorrent-textfile: {exc}", file=sys.stderr, flush=True)
            down = "# TYPE qbittorrent_up gauge\nqbittorrent_up 0\n"
            if last_success:
                down += f"qbittorrent_exporter_last_success_timestamp_seconds {_number(last_success)}\n"
            with contextlib.suppress(OSError):
                write(args.dir, down)
        time.sleep(args.interval)


def previous_success(directory: Path) -> float:
    """The last success a previous run recorded (the exporter restarts with qBittorrent), else 0."""
    try:
        for line in (directory / "qbittorrent.prom").read_text().splitlines():
            if line.startswith("qbittorrent_exporter_last_success_timestamp_seconds "):
                return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


if __name__ == "__main__":
    main()
