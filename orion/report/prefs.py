"""The reports' preferences, from the inventory: the language (`orion_lang`, French by default) and the
Gatus-style alert thresholds (`orion_alert_after` failures in a row before a requirement alerts,
`orion_resolve_after` passes in a row before it counts as recovered)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orion import inventory as inventory_mod
from orion.errors import ConfigError

LANGS = ("fr", "en")
#: One failure alerts at once (a homelab owner wants to know); two passes in a row resolve, so that a check
#: that flaps (fail, pass, fail…) is not announced as recovered and broken again at every run.
ALERT_AFTER = 1
RESOLVE_AFTER = 2


@dataclass(frozen=True)
class Thresholds:
    alert_after: int = ALERT_AFTER
    resolve_after: int = RESOLVE_AFTER


@dataclass(frozen=True)
class Prefs:
    lang: str = "fr"
    thresholds: Thresholds = Thresholds()


def of(inv: inventory_mod.Inventory) -> Prefs:
    """The preferences an inventory sets (the first host that sets a key wins: put them under `all`)."""

    def first(key: str) -> object:
        return next((h.hostvars[key] for h in inv.hosts.values() if key in h.hostvars), None)

    lang = first("orion_lang") or "fr"
    if lang not in LANGS:
        raise ConfigError(inv.path, None, f"orion_lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    counts = {}
    for key, default in (("orion_alert_after", ALERT_AFTER), ("orion_resolve_after", RESOLVE_AFTER)):
        value = first(key)
        if value is None:
            value = default
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
            raise ConfigError(inv.path, None, f"{key}: expected a whole number from 1 to 100, got {value!r}")
        counts[key] = value
    return Prefs(str(lang), Thresholds(counts["orion_alert_after"], counts["orion_resolve_after"]))


def load(path: Path | str | None = None) -> tuple[Prefs, str | None]:
    """The inventory's preferences, or the defaults and why when the inventory cannot be read: a report must
    still go out when, say, a secret of the inventory is missing."""
    try:
        return of(inventory_mod.load(path)), None
    except ConfigError as exc:
        return Prefs(), str(exc)
