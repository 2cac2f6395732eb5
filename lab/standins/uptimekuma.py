"""uptimekuma-standin: Uptime Kuma's Prometheus ``/metrics``, from monitors it really probes.

Source: https://github.com/louislam/uptime-kuma/wiki/API-Keys and .../wiki/Internal-API (``GET /metrics``
with HTTP basic auth, the username ignored and an API key as password; families ``monitor_status``
(1 up, 0 down, 2 pending, 3 maintenance) and ``monitor_response_time`` with labels monitor_name,
monitor_type, monitor_url, monitor_hostname, monitor_port).

Monitors come from ``$MONITORS`` as ``name=url,name=url``; each is probed every ``$INTERVAL`` seconds
(default 20) with an HTTP GET, up when it answers below 500.
"""

from __future__ import annotations

import base64
import os
import threading
import time
import urllib.error
import urllib.request

from standin import App, Request, Response, secret, text_response


class Monitors:
    """Background HTTP probes and their last results."""

    def __init__(self, spec: str, interval: float) -> None:
        self.targets = [tuple(item.split("=", 1)) for item in spec.split(",") if "=" in item]
        self.interval = interval
        self.results: dict[str, tuple[int, float]] = {name: (2, 0.0) for name, _ in self.targets}
        threading.Thread(target=self._loop, daemon=True).start()

    def _probe(self, url: str) -> tuple[int, float]:
        start = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                up = resp.status < 500
        except urllib.error.HTTPError as exc:
            up = exc.code < 500
        except OSError:
            up = False
        return (1 if up else 0), (time.monotonic() - start) * 1000

    def _loop(self) -> None:
        while True:
            for name, url in self.targets:
                self.results[name] = self._probe(url)
            time.sleep(self.interval)

    def exposition(self) -> str:
        lines = [
            "# HELP monitor_status Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= MAINTENANCE)",
            "# TYPE monitor_status gauge",
        ]
        timings = ["# HELP monitor_response_time Monitor Response Time (ms)", "# TYPE monitor_response_time gauge"]
        for name, url in self.targets:
            status, ms = self.results[name]
            labels = (
                f'monitor_name="{name}",monitor_type="http",monitor_url="{url}",'
                f'monitor_hostname="null",monitor_port="null"'
            )
            lines.append(f"monitor_status{{{labels}}} {status}")
            timings.append(f"monitor_response_time{{{labels}}} {ms:.0f}")
        return "\n".join(lines + timings) + "\n"


def build(product: str) -> App:
    app = App("uptimekuma-standin")
    api_key = secret("UPTIME_KUMA_API_KEY")
    monitors = Monitors(os.environ.get("MONITORS", ""), float(os.environ.get("INTERVAL", "20")))

    @app.route("GET", "/metrics")
    def metrics(req: Request) -> Response:
        scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
        try:
            password = base64.b64decode(value).decode().partition(":")[2] if scheme.lower() == "basic" else ""
        except ValueError:
            password = ""
        if not api_key or password != api_key:
            return Response(401, b"Unauthorized", {"WWW-Authenticate": 'Basic realm="Uptime Kuma"'})
        return text_response(monitors.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")

    return app
