"""Egress probes from the VPN namespace (qBittorrent's, which is Gluetun's): can a connection get out?

Through the tunnel it must (TORR-01: the VPN carries traffic, not just reports "running"). Forced out of the
WAN interface, around the tunnel, it must not (TORR-02): the killswitch drops it before it leaves. Reading the
ruleset says what the firewall claims; this says what it does.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from orion.outcomes import CannotObserve, SubjectDown

#: curl exit codes that mean it could not try: usage (2), bad URL (3), no name resolution (6), cannot bind the
#: interface (45), no curl (126, 127).
_UNTRIED = {2, 3, 6, 45, 126, 127}
#: Nothing came back: the packets were dropped (a killswitch drops silently) or nobody answered.
_TIMEOUT = 28
_TAGS = re.compile(r"^(wan|rc)=(.*)$")
#: Where the probe looks for the WAN interface.
ROUTES = "/proc/net/route"


def command(url: str, *, around_tunnel: bool, timeout: float = 2.0) -> str:
    """Shell for the namespace. The WAN interface is the main table's default route, 0.0.0.0/0 (the tunnel's
    0.0.0.0/1 and 128.0.0.0/1 override it while up); `around_tunnel` binds the connection to it."""
    bind = '--interface "$dev" ' if around_tunnel else ""
    return (
        'dev=$(awk \'$2 == "00000000" && $8 == "00000000" {print $1; exit}\' /proc/net/route); '
        'echo "wan=$dev"; [ -n "$dev" ] || exit 90; '
        f"curl -sS -o /dev/null -m {timeout:g} {bind}{shlex.quote(url)} 2>&1; "
        'echo "rc=$?"'
    )


@dataclass(frozen=True)
class Probe:
    wan: str
    rc: int
    detail: str

    @property
    def answered(self) -> bool:
        """Something outside answered (even a refusal): the connection left the namespace."""
        return self.rc != _TIMEOUT

    def __str__(self) -> str:
        return f"{self.detail or 'connected'} (curl exit {self.rc})"


def read(rc: int, output: str) -> Probe:
    """The probe's result from the command's exit code and output.

    Raises SubjectDown when the namespace has no default route (the gateway's network is down: no WAN interface
    to leave by), CannotObserve when the probe could not try (no curl, a bad URL, an output it cannot read).
    """
    tags = {m[1]: m[2].strip() for m in map(_TAGS.match, output.splitlines()) if m}
    detail = " ".join(line for line in output.splitlines() if not _TAGS.match(line)).strip()
    if rc == 90:
        raise SubjectDown("the VPN namespace", "no default route: no WAN interface to leave by", ROUTES)
    if not tags.get("wan"):
        raise CannotObserve(f"the egress probe printed no WAN interface: {output.strip()[:200]!r}")
    curl_rc = int(tags["rc"]) if tags.get("rc", "").isdigit() else -1
    if curl_rc in _UNTRIED or curl_rc < 0:
        raise CannotObserve(f"the egress probe could not run (curl exit {curl_rc}): {detail or output.strip()}")
    return Probe(tags["wan"], curl_rc, detail)
