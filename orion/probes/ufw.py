"""`ufw status verbose` read as ufw means it: which rules let a port in, from where, on which interface.

A rule's To column holds an address, a port spec (`2222/tcp`, `22:3000/tcp`, `80,443/tcp`), an interface
(`on tailscale0`), an application profile (`22/tcp (OpenSSH)`) and `(v6)`, in any combination; `Anywhere`
alone means every port. ufw applies the first rule that matches, so an allow after a deny that covers it
wholly lets nothing in.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from typing import Any

_RULE = re.compile(
    r"^(?P<to>.+?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?: (?P<direction>IN|OUT|FWD))?\s+(?P<src>.+?)"
    r"(?:\s+\(log(?:-all)?\))?\s*$"  # a logged rule ends in (log) or (log-all), after its source
)
_PORTS = re.compile(r"^(?P<ports>\d+(?::\d+)?(?:,\d+(?::\d+)?)*)(?:/(?P<proto>\w+))?$")
_INTERFACE = re.compile(r"^(?P<rest>.*?)\s+on (?P<interface>\S+)$")
_APP = re.compile(r"\s*\([^)]*\)$")  # verbose mode names the application profile after its ports: `22/tcp (OpenSSH)`

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Endpoint:
    """One side of a rule. None means any: any address, every port, both protocols, any interface."""

    network: Network | None = None
    ports: tuple[tuple[int, int], ...] | None = None
    proto: str | None = None
    interface: str | None = None

    def has(self, port: int, proto: str) -> bool:
        in_ports = self.ports is None or any(low <= port <= high for low, high in self.ports)
        return in_ports and self.proto in (None, proto)

    def covers(self, other: Endpoint) -> bool:
        """Whether every packet `other` matches, this matches too (ports aside)."""
        if self.network is not None and (other.network is None or not _within(other.network, self.network)):
            return False
        return self.interface in (None, other.interface) and self.proto in (None, other.proto)


@dataclass(frozen=True)
class Rule:
    action: str  # ALLOW, DENY, REJECT, LIMIT
    direction: str  # IN, OUT, FWD
    to: Endpoint
    source: Endpoint
    v6: bool
    text: str  # the line as ufw prints it, for evidence

    @property
    def admits(self) -> bool:
        return self.action in ("ALLOW", "LIMIT")


def parse_status(stdout: str) -> dict[str, Any]:
    """{"active": bool, "defaults": {"incoming": "deny", ...}, "rules": [Rule, ...] in ufw's order}."""
    status: dict[str, Any] = {"active": False, "defaults": {}, "rules": []}
    in_rules = False
    for line in stdout.splitlines():
        if line.startswith("Status:"):
            status["active"] = line.split(":", 1)[1].strip() == "active"
        elif line.startswith("Default:"):
            for policy, direction in re.findall(r"(\w+) \((\w+)\)", line):
                status["defaults"][direction] = policy
        elif line.startswith("--"):
            in_rules = True
        elif in_rules and line.strip():
            rule = parse_rule(line)
            if rule is not None:
                status["rules"].append(rule)
    return status


def parse_rule(line: str) -> Rule | None:
    """One rule line of `ufw status [verbose]`; None for a line that is not a rule."""
    text = line.split(" # ", 1)[0].rstrip()  # ufw prints a rule's comment after " # "
    match = _RULE.match(text)
    if match is None:
        return None
    to_text, src_text = match["to"], match["src"]
    to, source = _endpoint(to_text.replace(" (v6)", "")), _endpoint(src_text.replace(" (v6)", ""))
    if to is None or source is None:
        return None
    if to.proto is None and source.proto is not None:
        to = replace(to, proto=source.proto)  # `Anywhere  ALLOW IN  53/tcp`: a source port, TCP to every port
    networks = (to.network, source.network)
    v6 = "(v6)" in text or any(n is not None and n.version == 6 for n in networks)  # fd7a::/48 has no (v6)
    return Rule(match["action"], match["direction"] or "IN", to, source, v6, " ".join(text.split()))


def admitting(rules: list[Rule], port: int, proto: str) -> list[Rule]:
    """The inbound rules that let `port/proto` in to this host, minus those that a deny before them covers."""
    inbound = [r for r in rules if r.direction == "IN" and r.to.has(port, proto)]
    admitted = []
    for i, rule in enumerate(inbound):
        if rule.admits and not any(_shadows(earlier, rule) for earlier in inbound[:i] if not earlier.admits):
            admitted.append(rule)
    return admitted


def _shadows(deny: Rule, allow: Rule) -> bool:
    return deny.v6 == allow.v6 and deny.to.covers(allow.to) and deny.source.covers(allow.source)


def _endpoint(text: str) -> Endpoint | None:
    """`Anywhere`, `10.0.0.0/8`, `2222/tcp`, `10.0.0.5 2222/tcp`, `22/tcp (OpenSSH)`, each maybe `on IFACE`."""
    interface = None
    if found := _INTERFACE.match(text):
        text, interface = found["rest"], found["interface"]
    tokens = _APP.sub("", text).split()
    network, ports, proto = None, None, None
    for token in tokens:
        spec = _PORTS.match(token)
        if spec:
            ports = tuple(_range(part) for part in spec["ports"].split(","))
            proto = spec["proto"]
        elif token.startswith("Anywhere"):
            proto = token.partition("/")[2] or proto  # `Anywhere/tcp`: every port of one protocol
        else:
            try:
                network = ipaddress.ip_network(token, strict=False)
            except ValueError:
                return None
    return Endpoint(network, ports, proto, interface)


def _range(part: str) -> tuple[int, int]:
    low, _, high = part.partition(":")
    return int(low), int(high or low)


def _within(inner: Network, outer: Network) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]
