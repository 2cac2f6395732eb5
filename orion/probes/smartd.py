"""MAINT-03: what smartd itself watches, from `smartd -q showtests`.

`showtests` reads smartd.conf, registers the devices as the daemon does (DEVICESCAN included), prints the
self-tests it would schedule and exits; it checks no SMART status and runs no test. A running smartd that
registered no disk (a DEVICESCAN that finds nothing, a USB bridge without `-d sat`) watches nothing: only
this output shows it.
"""

from __future__ import annotations

import re

_MONITORED = re.compile(r'^Device: (?P<dev>.+?), is SMART capable\. Adding to "monitor" list')
# "will do test 1 of type S at <date>" (the next ones), "will do  90 tests of type S" (totals, printed at 0 too).
_SCHEDULED = re.compile(
    r"^Device: (?P<dev>.+?), will do\s+(?:test \d+|(?P<count>\d+) tests?) of type (?P<type>[A-Za-z])\b"
)


def watched(showtests: str) -> dict[str, set[str]]:
    """The devices smartd monitors ("/dev/sda [SAT]"), each with the types of self-test it has scheduled
    (S short, L long, C/O offline)."""
    devices: dict[str, set[str]] = {}
    for line in showtests.splitlines():
        line = line.strip()
        if found := _MONITORED.match(line):
            devices.setdefault(found["dev"], set())
        elif found := _SCHEDULED.match(line):
            types = devices.setdefault(found["dev"], set())
            if found["count"] != "0":
                types.add(found["type"].upper())
    return devices
