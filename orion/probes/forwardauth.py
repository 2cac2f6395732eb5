"""What a visitor without a session gets from the live Caddy, for each host the Caddyfile puts behind Authelia.

The Caddyfile of `stacks/` says which hosts must be protected (the desired state); the live answer says whether
they are. Only Authelia proves it: its 401, or its redirect to the portal. A 403 is not proof: `(private_only)`
turns away a source outside the LAN before forward_auth is asked, so a host that lost forward_auth would answer
403 too. The probe must therefore come from a LAN address (Orion on synapse is one; the lab's inventory names
Caddy's address on the lab LAN). Anything else (a 2xx, a 403, a redirect that is not to the portal) is not
protected. Through ServiceClient a 5xx never reaches `turned_away`: it is SubjectDown (Caddy, or the Authelia it
asks, is down), so the check fails on it, as it does on Caddy refusing connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from orion.errors import ConfigError
from orion.outcomes import CannotObserve
from orion.probes.caddyfile import Caddyfile
from orion.probes.compose import Stack

BYPASS_SNIPPET = "auth_bypass"


@dataclass(frozen=True)
class Protected:
    hosts: tuple[str, ...]  # behind forward_auth
    portals: tuple[str, ...]  # the bypass hosts: Authelia's portal


def protected(node: str = "cortex") -> Protected:
    """The hosts the node's Caddyfile puts behind forward_auth, and the portal hosts it lets through; CannotObserve
    when the Caddyfile of stacks/ cannot be read."""
    try:
        caddyfile = Caddyfile.of(Stack(node))
    except ConfigError as exc:
        raise CannotObserve(f"cannot read the desired Caddy routes: {exc}") from None
    routes = caddyfile.routes()
    hosts = tuple(h for r in routes if r.uses("forward_auth") for h in r.hosts if "*" not in h)
    portals = tuple(h for r in routes if r.snippet == BYPASS_SNIPPET for h in r.hosts)
    return Protected(hosts, portals)


def turned_away(response: httpx.Response, portals: tuple[str, ...]) -> bool:
    """Whether Authelia turned a visitor without a session away (its 401, or a redirect to its portal)."""
    if response.is_redirect:
        return urlsplit(response.headers.get("location", "")).hostname in portals
    return response.status_code == 401


def what_was_served(response: httpx.Response) -> str:
    """How an answer that is not Authelia's reads in a report: the status, and where a redirect goes or why a 403
    proves nothing."""
    status = response.status_code
    if response.is_redirect:
        return f"{status} to {response.headers.get('location', '(no location)')}"
    if status == 403:
        return "403 before Authelia (network policy): forward_auth is not proven from this address"
    return f"{status} served"
