"""A test alert sent through the running Alertmanager (`POST /api/v2/alerts`), and whether Telegram got it.

Telegram's Bot API cannot read back what a bot sent, so where the inventory's `telegram` service is the lab's
stand-in (it records every message: `GET /_standin/messages`), the message itself is looked for; elsewhere
Alertmanager's own counters say whether its Telegram integration sent (`alertmanager_notifications_total` grew)
without failing (`alertmanager_notifications_failed_total` did not).

A test alert that Alertmanager routes only to receivers without a Telegram integration (a blackhole) cannot arrive:
that shows at once in its receivers (`GET /api/v2/alerts`, against the running configuration of
`GET /api/v2/status`), so the check need not wait out its delivery time to say so.

Each test alert has an alertname of its own (`OrionDeliveryTest-<nonce>`): routes group by alertname, so it makes
a new group that waits only the route's group_wait, never the group_interval of an earlier test.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import yaml

from orion.outcomes import CannotObserve
from orion.probes.http import ServiceClient

ALERTNAME = "OrionDeliveryTest"
#: Alertmanager's telegram integration counters (notify/notify.go), by integration label.
_COUNTER = re.compile(r'^alertmanager_notifications(_failed)?_total\{[^}]*integration="telegram"[^}]*\}\s+(\S+)$')


@dataclass
class DeliveryAlert:
    severity: str
    nonce: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def name(self) -> str:
        return f"{ALERTNAME}-{self.nonce}"

    def payload(self, ends: datetime) -> list[dict[str, object]]:
        return [
            {
                "labels": {"alertname": self.name, "severity": self.severity, "requirement": "MON-03"},
                "annotations": {
                    "summary": f"Test de livraison Orion {self.nonce} (MON-03), aucune action",
                    "description": "Alerte de test envoyée par Orion à Alertmanager: elle prouve la livraison.",
                },
                "endsAt": ends.isoformat(),
            }
        ]


def send(alertmanager: ServiceClient, alert: DeliveryAlert, lasts: timedelta = timedelta(minutes=5)) -> None:
    """Fire `alert` in the running Alertmanager (it resolves itself after `lasts`)."""
    response = alertmanager.request("POST", "/api/v2/alerts", json=alert.payload(datetime.now(UTC) + lasts))
    if response.is_error:
        raise CannotObserve(f"alertmanager: POST /api/v2/alerts answered {response.status_code}")


def resolve(alertmanager: ServiceClient, alert: DeliveryAlert) -> None:
    """Resolve `alert` at once (its endsAt now), so that it does not linger."""
    alertmanager.request("POST", "/api/v2/alerts", json=alert.payload(datetime.now(UTC)))


def receivers_without_telegram(alertmanager: ServiceClient, alert: DeliveryAlert) -> list[str]:
    """The receivers Alertmanager routed `alert` to, when none of them has a Telegram integration; else []."""
    found = alertmanager.json("/api/v2/alerts", params={"filter": f'alertname="{alert.name}"'})
    routed = sorted({str(r.get("name")) for a in found if isinstance(a, dict) for r in a.get("receivers") or []})
    try:
        config = yaml.safe_load(alertmanager.json("/api/v2/status")["config"]["original"]) or {}
    except (KeyError, TypeError, yaml.YAMLError):
        raise CannotObserve("alertmanager: GET /api/v2/status holds no readable running configuration") from None
    telegram = {r.get("name") for r in config.get("receivers") or [] if r.get("telegram_configs")}
    return routed if routed and not telegram & set(routed) else []


def telegram_texts(telegram: ServiceClient) -> list[str] | None:
    """The texts the Telegram stand-in recorded, or None when the service records nothing (the real Telegram)."""
    response = telegram.get("/_standin/messages", auth_expected=False)
    if response.status_code != 200:
        return None
    try:
        messages = response.json().get("messages") or []
    except (ValueError, AttributeError):
        return None
    return [str((m.get("message") or {}).get("text", "")) for m in messages if isinstance(m, dict)]


def telegram_counters(alertmanager: ServiceClient) -> tuple[float, float]:
    """Alertmanager's (sent, failed) notification totals of its Telegram integration (`/metrics`)."""
    sent = failed = 0.0
    for line in alertmanager.get("/metrics").text.splitlines():
        if m := _COUNTER.match(line):
            if m.group(1):
                failed += float(m.group(2))
            else:
                sent += float(m.group(2))
    return sent, failed


def wait_for(found: Callable[[], bool], seconds: float, every: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if found():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
