"""Alertmanager's configuration as data: which receivers an alert reaches, following the route tree as Alertmanager
does (dispatch/route.go `Match`): a route matches when all its matchers do; its children are tried in order and
the first that matches wins, unless it says `continue: true` and later siblings are tried too; a route none of whose
children match delivers itself. A receiver is inherited from the parent; mute and active time intervals are not
(they apply to the route that delivers)."""

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

_MATCHERS = re.compile(
    r'\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>"(?:[^"\\]|\\.)*"|[^,"]*)\s*(?:,|$)'
)


@dataclass(frozen=True)
class Delivery:
    receiver: str
    where: str  # the route that chose it
    off_hours: str = ""  # why it does not deliver at every hour (mute or active time intervals), "" when it does

    def __str__(self) -> str:
        return f"{self.receiver} ({self.off_hours})" if self.off_hours else self.receiver


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
        """The first receiver an alert with `labels` reaches (the one Alertmanager lists first)."""
        return self.routes(labels)[0]

    def routes(self, labels: dict[str, str]) -> list[Delivery]:
        """Every receiver an alert with `labels` reaches, in Alertmanager's order."""
        root = self.data["route"]
        return self._walk(root, ("route",), str(root.get("receiver")), labels) or [self._deliver(root, ("route",), "")]

    def _walk(
        self, node: dict[str, Any], loc: tuple[str | int, ...], receiver: str, labels: dict[str, str]
    ) -> list[Delivery]:
        if not _matches(node, labels, self.where(*loc)):
            return []
        receiver = str(node.get("receiver", receiver))
        found: list[Delivery] = []
        for index, child in enumerate(node.get("routes") or []):
            if not isinstance(child, dict):
                continue
            matched = self._walk(child, (*loc, "routes", index), receiver, labels)
            found += matched
            if matched and not child.get("continue", False):
                break
        return found or [self._deliver(node, loc, receiver)]

    def _deliver(self, node: dict[str, Any], loc: tuple[str | int, ...], receiver: str) -> Delivery:
        return Delivery(str(node.get("receiver", receiver)), self.where(*loc), self._off_hours(node))

    def _off_hours(self, node: dict[str, Any]) -> str:
        """Why the route does not deliver at every hour ("" when it does): a mute interval that covers any time,
        or active intervals none of which covers all times."""
        muted = [n for n in node.get("mute_time_intervals") or [] if self._interval(str(n)) != []]
        if muted:
            return f"muted during mute_time_intervals {muted}"
        active = [str(n) for n in node.get("active_time_intervals") or []]
        if active and not any({} in [_unconstrained(t) for t in self._interval(n) or []] for n in active):
            return f"only active during active_time_intervals {active}"
        return ""

    def _interval(self, name: str) -> list[dict[str, Any]] | None:
        """The time ranges of the named interval (top-level `time_intervals`, or legacy `mute_time_intervals`);
        None when undefined (amtool check-config rejects that)."""
        for key in ("time_intervals", "mute_time_intervals"):
            for entry in self.data.get(key) or []:
                if isinstance(entry, dict) and entry.get("name") == name:
                    return [t for t in entry.get("time_intervals") or [] if isinstance(t, dict)]
        return None

    def receiver(self, name: str) -> dict[str, Any]:
        return next((r for r in self.data.get("receivers") or [] if r.get("name") == name), {})

    def telegram_gap(self, severity: str) -> str | None:
        """Why alerts of `severity` do not reach Telegram at every hour, or None when they do."""
        deliveries = self.routes({"severity": severity})
        telegram = [d for d in deliveries if self.receiver(d.receiver).get("telegram_configs")]
        if any(not d.off_hours for d in telegram):
            return None
        if telegram:
            return f"{severity} alerts reach Telegram only some of the time: " + "; ".join(
                f"{d} at {d.where}" for d in telegram
            )
        names, where = ", ".join(repr(d.receiver) for d in deliveries), ", ".join(d.where for d in deliveries)
        verb = "send" if len(deliveries) > 1 else "sends"
        return f"{severity} alerts reach {names}, which {verb} nothing to Telegram ({where})"

    def shared_route(self) -> str | None:
        """Why critical and warning alerts are not on separate routes, or None when they are."""
        critical, warning = self.route({"severity": "critical"}), self.route({"severity": "warning"})
        if critical.receiver != warning.receiver:
            return None
        return f"critical and warning alerts both reach {critical.receiver!r} ({critical.where}, {warning.where})"


_load = cache(AlertmanagerConfig)


def _matches(route: dict[str, Any], labels: dict[str, str], where: str) -> bool:
    """All of the route's matchers match (`matchers`, legacy `match` and `match_re`); a missing label is ""."""
    tests = [m for text in route.get("matchers") or [] for m in _parse(str(text), where)]
    tests += [(str(k), "=", str(v)) for k, v in (route.get("match") or {}).items()]
    tests += [(str(k), "=~", str(v)) for k, v in (route.get("match_re") or {}).items()]
    return all(_test(labels.get(name, ""), op, value, where) for name, op, value in tests)


def _parse(text: str, where: str) -> list[tuple[str, str, str]]:
    """One `matchers` entry: one or several comma-separated matchers, optionally in braces."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    found = [(m["name"], m["op"], _unquote(m["value"])) for m in _MATCHERS.finditer(body)]
    if not found or _MATCHERS.sub("", body).strip(" ,"):
        raise CannotObserve(f"{where}: cannot read the matcher {text!r}")
    return found


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m[1], m[1]), value[1:-1])
    return value


def _test(value: str, op: str, expected: str, where: str) -> bool:
    if op in ("=", "!="):
        return (value == expected) is (op == "=")
    try:
        found = re.fullmatch(expected, value) is not None  # Alertmanager anchors its regexes: ^(?:re)$
    except re.error as exc:
        raise CannotObserve(f"{where}: cannot read the regex {expected!r}: {exc}") from None
    return found is (op == "=~")


def _unconstrained(time_range: dict[str, Any]) -> dict[str, Any]:
    """A time range with its empty fields (and its location, which moves but does not narrow it) left out: {} when
    it covers every time."""
    return {k: v for k, v in time_range.items() if v and k != "location"}
