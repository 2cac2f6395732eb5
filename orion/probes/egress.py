"""Egress probes from the VPN namespace (qBittorrent's, which is Gluetun's): can a connection get out?

Through the tunnel it must (TORR-01: the VPN carries traffic, not just reports "running"). Forced out of the
WAN interface, around the tunnel, it must not (TORR-02): the killswitch stops it before it leaves. Reading the
ruleset says what the firewall claims; this says what it does.

"It left" needs evidence from outside the box, because curl's "Couldn't connect" (exit 7) covers both a refusal
by the far side and a refusal by the namespace's own firewall (an nft `reject` answers the socket locally, with
the same ECONNREFUSED a remote RST gives) or routing (ENETUNREACH). So the probe reads the far side's HTTP answer
and counts the packets the WAN interface sent during the attempt: a refusal while nothing left is local.
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
#: The connection failed ("Couldn't connect to server"); the errno in curl's verbose line says how.
_NO_CONNECTION = 7
#: Errnos raised inside the box: no route (an unreachable route, no interface), a firewall's EPERM/EACCES.
_LOCAL_ERRORS = ("Network is unreachable", "Operation not permitted", "Permission denied")
_TAGS = re.compile(r"^(wan|rc|http|sent)=(.*)$")
#: curl's verbose connect error; "Immediate connect fail" is connect() failing before any packet (no route).
_ERRNO = re.compile(r"^\* (connect to \S+ port \d+ failed|Immediate connect fail for \S+): (.+)$")
#: Where the probe looks for the WAN interface.
ROUTES = "/proc/net/route"


def command(url: str, *, around_tunnel: bool, timeout: float = 2.0) -> str:
    """Shell for the namespace. The WAN interface is the main table's default route, 0.0.0.0/0 (the tunnel's
    0.0.0.0/1 and 128.0.0.0/1 override it while up); `around_tunnel` binds the connection to it. It prints
    the HTTP status (000: none), curl's verbose connect error, and how many packets the WAN interface sent."""
    bind = '--interface "$dev" ' if around_tunnel else ""
    tx = '"$(cat /sys/class/net/$dev/statistics/tx_packets 2>/dev/null || echo x)"'
    return (
        'dev=$(awk \'$2 == "00000000" && $8 == "00000000" {print $1; exit}\' /proc/net/route); '
        'echo "wan=$dev"; [ -n "$dev" ] || exit 90; '
        f"tx0={tx}; "
        f"{{ curl -v -sS -o /dev/null -m {timeout:g} -w 'http=%{{http_code}}\\n' {bind}{shlex.quote(url)} 2>&1; "
        "echo \"rc=$?\"; } | grep -E '^(\\* connect to .* failed: |\\* Immediate connect fail|curl: |sh: |http=|rc=)'; "
        f"tx1={tx}; "
        'case "$tx0$tx1" in *x*) echo "sent=";; *) echo "sent=$((tx1 - tx0))";; esac'
    )


@dataclass(frozen=True)
class Probe:
    wan: str
    rc: int
    detail: str
    #: The far side's HTTP status; 0 when no HTTP answer came back.
    http: int = 0
    #: The kernel's reason the connection failed, as curl's verbose output names it ("Connection refused").
    error: str = ""
    #: Packets the WAN interface sent during the attempt; None when the counter could not be read.
    sent: int | None = None
    #: connect() itself failed, before any packet went out (a route lookup, a local firewall's EPERM).
    immediate: bool = False

    @property
    def answered(self) -> bool:
        """The far side answered over HTTP: the connection went out and came back."""
        return self.http > 0

    @property
    def refused_locally(self) -> bool:
        """The connection failed inside the box: a local errno, or a refusal while the WAN interface sent
        nothing (the namespace's own firewall rejected it)."""
        if self.rc != _NO_CONNECTION:
            return False
        return self.immediate or self.error in _LOCAL_ERRORS or self.sent == 0

    @property
    def left(self) -> bool:
        """Something left by the WAN interface and reached the far side: an answer, a connection that broke
        after it was made, or a refusal not pinned on the box itself (a remote RST is an answer too)."""
        if self.answered:
            return True
        return self.rc != _TIMEOUT and not self.refused_locally

    def __str__(self) -> str:
        if self.answered:
            return f"HTTP {self.http} from the far side (curl exit {self.rc})"
        why = self.error or self.detail or "no answer"
        where = ""
        if self.rc == _NO_CONNECTION:
            where = (
                f"; {self.sent} packet(s) left {self.wan} meanwhile"
                if self.sent is not None
                else f"; packets sent by {self.wan} unknown"
            )
        return f"{why}{where} (curl exit {self.rc})"


def read(rc: int, output: str) -> Probe:
    """The probe's result from the command's exit code and output.

    Raises SubjectDown when the namespace has no default route (the gateway's network is down: no WAN interface
    to leave by), CannotObserve when the probe could not try (no curl, a bad URL, an output it cannot read).
    """
    lines = output.splitlines()
    tags = {m[1]: m[2].strip() for m in map(_TAGS.match, lines) if m}
    errnos = [(m[1].startswith("Immediate"), m[2].strip()) for m in map(_ERRNO.match, lines) if m]
    detail = " ".join(line for line in lines if not _TAGS.match(line) and not _ERRNO.match(line)).strip()
    if rc == 90:
        raise SubjectDown("the VPN namespace", "no default route: no WAN interface to leave by", ROUTES)
    if not tags.get("wan"):
        raise CannotObserve(f"the egress probe printed no WAN interface: {output.strip()[:200]!r}")
    curl_rc = int(tags["rc"]) if tags.get("rc", "").isdigit() else -1
    if curl_rc in _UNTRIED or curl_rc < 0:
        raise CannotObserve(f"the egress probe could not run (curl exit {curl_rc}): {detail or output.strip()}")
    http = int(tags["http"]) if tags.get("http", "").isdigit() else 0
    sent = tags.get("sent", "")
    return Probe(
        tags["wan"],
        curl_rc,
        detail,
        http=http,
        error=errnos[-1][1] if errnos else "",
        immediate=bool(errnos) and errnos[-1][0],
        sent=int(sent) if sent.isdigit() else None,
    )
