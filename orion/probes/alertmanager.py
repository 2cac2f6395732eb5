"""Alertmanager's configuration as data: which receiver an alert reaches, following the route tree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from orion import yamlsrc
from orion.errors import ConfigError
from orion.probes import located
from orion.probes.compose import Stack
from orion.probes.prometheus import monitoring_dir

_MATCHER = re.compile(r'^\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op>=~|!~|!=|=)\s*"?(?P<value>.*?)"?\s*$')


@dataclass(frozen=True)
class Delivery:
    receiver: str
    where: str  # the route that chose it


class AlertmanagerConfig:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = yamlsrc.load(path)
        if not isinstance(self.doc.data, dict) or not isinstance(self.doc.data.get("route"), dict):
            raise ConfigError(path, 1, "an Alertmanager configuration needs a `route:`")
        self.data: dict[str, Any] = self.doc.data

    @staticmethod
    def of(stack: Stack) -> AlertmanagerConfig:
        """The Alertmanager configuration beside `stack` (synapse's), read once per process."""
        return _load(located.read(monitoring_dir(stack) / "alertmanager" / "alertmanager.yml"))

    def where(self, *loc: str | int) -> str:
        return located.at(self.path, self.doc.line(tuple(loc)))

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
