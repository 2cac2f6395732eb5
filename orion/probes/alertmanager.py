"""Alertmanager's configuration as data: which receiver an alert reaches, following the route tree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from orion import yamlsrc
from orion.errors import ConfigError
from orion.outcomes import CannotObserve
from orion.probes import located
from orion.probes.compose import Stack
from orion.probes.http import ServiceClient
from orion.probes.prometheus import monitoring_dir

_MATCHER = re.compile(r'^\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op>=~|!~|!=|=)\s*"?(?P<value>.*?)"?\s*$')


@dataclass(frozen=True)
class Delivery:
    receiver: str
    where: str  # the route that chose it


class AlertmanagerConfig:
    def __init__(self, path: Path, doc: yamlsrc.Document | None = None, origin: str | None = None) -> None:
        self.path = path
        self.origin = origin  # where a configuration that is not a file came from (a running Alertmanager)
        self.doc = doc if doc is not None else yamlsrc.load(path)
        if not isinstance(self.doc.data, dict) or not isinstance(self.doc.data.get("route"), dict):
            raise ConfigError(path, 1, "an Alertmanager configuration needs a `route:`")
        self.data: dict[str, Any] = self.doc.data

    @staticmethod
    def of(stack: Stack) -> AlertmanagerConfig:
        """The Alertmanager configuration beside `stack` (synapse's), read once per process."""
        return _load(located.read(monitoring_dir(stack) / "alertmanager" / "alertmanager.yml"))

    @classmethod
    def running(cls, client: ServiceClient) -> AlertmanagerConfig:
        """The configuration a running Alertmanager has loaded (`GET /api/v2/status`, `config.original`).

        Raises SubjectDown when Alertmanager is down (through the client), CannotObserve when its answer holds no
        configuration Orion can read.
        """
        origin = f"{client.service.url}/api/v2/status config.original"
        status = client.json("/api/v2/status")
        text = (status.get("config") or {}).get("original") if isinstance(status, dict) else None
        if not isinstance(text, str):
            raise CannotObserve(f"{client.service.name}: /api/v2/status has no config.original")
        try:
            return cls(Path("alertmanager.yml"), yamlsrc.loads(text, "alertmanager.yml"), origin)
        except ConfigError as exc:
            where = f"{origin}, line {exc.line}" if exc.line else origin
            raise CannotObserve(f"{where}: {exc.message}") from None

    def where(self, *loc: str | int) -> str:
        line = self.doc.line(tuple(loc))
        if self.origin:
            return f"{self.origin}, line {line}" if line else self.origin
        return located.at(self.path, line)

    def route(self, labels: dict[str, str]) -> Delivery:
        """The receiver an alert with `labels` reaches first: the first matching child route, recursively."""
        node, loc = self.data["route"], ("route",)
        receiver = str(node.get("receiver"))
        while True:
            for index, child in enumerate(node.get("routes") or []):
                if _matches(child, labels):
                    node, loc = child, (*loc, "routes", index)
                    receiver = str(child.get("receiver", receiver))
                    break
            else:
                return Delivery(receiver, self.where(*loc))

    def receiver(self, name: str) -> dict[str, Any]:
        return next((r for r in self.data.get("receivers") or [] if r.get("name") == name), {})

    def telegram_gap(self, severity: str) -> str | None:
        """Why alerts of `severity` do not reach Telegram, or None when they do."""
        delivery = self.route({"severity": severity})
        if self.receiver(delivery.receiver).get("telegram_configs"):
            return None
        return f"{severity} alerts reach {delivery.receiver!r}, which sends nothing to Telegram ({delivery.where})"

    def shared_route(self) -> str | None:
        """Why critical and warning alerts are not on separate routes, or None when they are."""
        critical, warning = self.route({"severity": "critical"}), self.route({"severity": "warning"})
        if critical.receiver != warning.receiver:
            return None
        return f"critical and warning alerts both reach {critical.receiver!r} ({critical.where}, {warning.where})"


_load = cache(AlertmanagerConfig)


def _matches(route: dict[str, Any], labels: dict[str, str]) -> bool:
    for text in route.get("matchers") or []:
        found = _MATCHER.match(str(text))
        if not found:
            return False
        value, op = labels.get(found["name"], ""), found["op"]
        expected = found["value"]
        ok = {
            "=": value == expected,
            "!=": value != expected,
            "=~": re.fullmatch(expected, value) is not None,
            "!~": re.fullmatch(expected, value) is None,
        }[op]
        if not ok:
            return False
    old = {**(route.get("match") or {})}
    return all(labels.get(k) == str(v) for k, v in old.items())
