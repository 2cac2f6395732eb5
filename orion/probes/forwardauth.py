"""What a visitor without a session gets from the live Caddy, for each host the Caddyfile puts behind Authelia.

The Caddyfile of `stacks/` says which hosts must be protected (the desired state); the live answer says whether
they are. Turned away means Authelia's 401, a redirect to its portal, a 403 (LAN-only hosts) or an error page;
anything else (a 2xx, or a redirect that is not to the portal) means the service was served to a stranger.
Through ServiceClient a 5xx never reaches `turned_away`: it is SubjectDown (Caddy, or the Authelia it asks, is
down), so the check fails on it, as it does on Caddy refusing connections.
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
    """Whether a visitor without a session was turned away (see the module's docstring) rather than served."""
    status = response.status_code
    if response.is_redirect:
        return urlsplit(response.headers.get("location", "")).hostname in portals
    return status in (401, 403) or status >= 500
