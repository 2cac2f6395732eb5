"""SMART data of the USB HDD: `smartctl -j -a -d sat /dev/sdX` parsed into a typed report (MON-06, MAINT-03).

smartctl's exit status is a bitmask (smartctl(8), "RETURN VALUES"); the JSON repeats it as
`smartctl.exit_status`. Bits 0-2 mean smartctl could not read the disk (bad command line, the device did not
open or did not answer IDENTIFY, e.g. a USB bridge without SAT pass-through); bit 3 means the disk's own
health assessment says FAILING; bits 4-7 are warnings (attributes at or below threshold now or in the past,
errors in the error and self-test logs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntFlag
from typing import Any

from orion.outcomes import CannotObserve


class ExitBit(IntFlag):
    COMMAND_LINE = 1 << 0
    DEVICE_OPEN = 1 << 1
    COMMAND_FAILED = 1 << 2
    DISK_FAILING = 1 << 3
    PREFAIL_BELOW_THRESHOLD = 1 << 4
    PAST_BELOW_THRESHOLD = 1 << 5
    ERROR_LOG = 1 << 6
    SELFTEST_LOG = 1 << 7


UNREADABLE = ExitBit.COMMAND_LINE | ExitBit.DEVICE_OPEN | ExitBit.COMMAND_FAILED

#: The attributes that predict a failing disk, by ID (REFERENCE.md, "smartctl on the USB HDD"): any raw value
#: above zero is a warning sign.
WATCHED = {
    5: "Reallocated_Sector_Ct",
    187: "Reported_Uncorrect",
    197: "Current_Pending_Sector",
    198: "Offline_Uncorrectable",
}


@dataclass(frozen=True)
class SmartReport:
    device: str
    exit_status: int
    passed: bool | None  # smart_status.passed; None when smartctl could not read it
    attributes: dict[int, int] = field(default_factory=dict)  # raw values of the WATCHED attributes present
    temperature_c: int | None = None
    power_on_hours: int | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def flags(self) -> ExitBit:
        return ExitBit(self.exit_status & 0xFF)

    @property
    def readable(self) -> bool:
        """smartctl read the disk's SMART data (no open/identify/command failure, and a health verdict)."""
        return not self.flags & UNREADABLE and self.passed is not None

    @property
    def failing(self) -> bool:
        """The disk says it is failing (exit bit 3, or smart_status.passed false)."""
        return bool(self.flags & ExitBit.DISK_FAILING) or self.passed is False

    @property
    def warnings(self) -> dict[str, int]:
        """Watched attributes whose raw value is above zero: {"Reallocated_Sector_Ct (5)": 24}."""
        return {f"{WATCHED[i]} ({i})": raw for i, raw in sorted(self.attributes.items()) if raw > 0}

    @property
    def why_unreadable(self) -> str:
        """A sentence for a person: smartctl's own error messages, else the exit bits."""
        errors = [m for m in self.messages if m]
        if errors:
            return "; ".join(errors)
        return f"smartctl exit status {self.exit_status} ({self.flags!r})"


def parse(stdout: str) -> SmartReport:
    """Parse `smartctl -j` output; raise CannotObserve when smartctl printed no JSON (not installed, crashed)."""
    try:
        data = json.loads(stdout)
    except ValueError:
        first = stdout.strip().splitlines()[0] if stdout.strip() else "no output"
        raise CannotObserve(f"smartctl printed no JSON: {first}") from None
    if not isinstance(data, dict):
        raise CannotObserve("smartctl printed JSON that is not an object")
    meta = data.get("smartctl") or {}
    device = (data.get("device") or {}).get("name") or "?"
    status = data.get("smart_status") or {}
    passed = status.get("passed") if isinstance(status.get("passed"), bool) else None
    table = (data.get("ata_smart_attributes") or {}).get("table") or []
    attributes = {
        int(row["id"]): int(row["raw"]["value"])
        for row in table
        if isinstance(row, dict) and row.get("id") in WATCHED and isinstance(_get(row, "raw", "value"), int)
    }
    return SmartReport(
        device=device,
        exit_status=int(meta.get("exit_status", 0)),
        passed=passed,
        attributes=attributes,
        temperature_c=_int(_get(data, "temperature", "current")),
        power_on_hours=_int(_get(data, "power_on_time", "hours")),
        messages=[str(m.get("string", "")) for m in meta.get("messages") or [] if isinstance(m, dict)],
    )


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
