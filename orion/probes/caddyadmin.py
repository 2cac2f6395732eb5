"""The configuration the running Caddy has loaded, from its admin API (`GET /config/`, on localhost:2019 inside
its container, as the Caddyfile keeps it: asked through the node's Docker engine), read as host -> upstreams.

Caddy adapts `handle @host { reverse_proxy up:port }` into a route matching that host whose handlers hold a
`reverse_proxy` with `upstreams: [{"dial": "up:port"}]`; `forward_auth` adapts into a `reverse_proxy` too (to
Authelia, with `handle_response`), which is not an upstream of the host and is left out.
"""

from __future__ import annotations

import json
from typing import Any

from orion.outcomes import CannotObserve
from orion.probes.caddyfile import Route
from orion.probes.docker import DockerNode

ADMIN = "http://localhost:2019/config/"


def running_config(docker_node: DockerNode, service: str = "caddy") -> dict[str, Any]:
    """The running Caddy's JSON configuration. SubjectDown when its container is not running (through exec)."""
    rc, out = docker_node.exec(service, f"wget -qO- {ADMIN}")
    if rc != 0:
        raise CannotObserve(f"{service}: GET {ADMIN} inside the container failed (exit {rc}): {out.strip()[:200]}")
    try:
        config = json.loads(out)
    except ValueError:
        raise CannotObserve(f"{service}: {ADMIN} did not answer JSON") from None
    return config if isinstance(config, dict) else {}


def upstreams_by_host(config: dict[str, Any]) -> dict[str, set[str]]:
    """Every host a route of the running config matches, and the upstreams (`dial`) its reverse_proxy handlers
    send to (forward_auth's excluded)."""
    found: dict[str, set[str]] = {}
    servers = (((config.get("apps") or {}).get("http") or {}).get("servers") or {}).values()
    for server in servers:
        _routes(server.get("routes") or [], (), found)
    return found


def _routes(routes: list[Any], hosts: tuple[str, ...], found: dict[str, set[str]]) -> None:
    for route in routes:
        if not isinstance(route, dict):
            continue
        matched = tuple(h for m in route.get("match") or [] if isinstance(m, dict) for h in m.get("host") or [])
        scope = matched or hosts
        for host in scope:
            found.setdefault(host, set())
        _handlers(route.get("handle") or [], scope, found)


def _handlers(handlers: list[Any], hosts: tuple[str, ...], found: dict[str, set[str]]) -> None:
    for handler in handlers:
        if not isinstance(handler, dict):
            continue
        if handler.get("handler") == "reverse_proxy" and "handle_response" not in handler:
            for host in hosts:
                found.setdefault(host, set()).update(str(u.get("dial")) for u in handler.get("upstreams") or [])
        if handler.get("handler") == "subroute":
            _routes(handler.get("routes") or [], hosts, found)


def desired_upstreams(route: Route) -> set[str]:
    """The upstreams a Caddyfile route's `reverse_proxy` directives name, as Caddy dials them (host:port)."""
    dials = set()
    for d in route.block.walk():
        if d.name == "reverse_proxy" and d.args:
            for arg in d.args:
                if arg.startswith("@") or arg.startswith("/"):
                    continue
                dials.add(_dial(arg))
    return dials


def _dial(upstream: str) -> str:
    scheme, _, rest = upstream.rpartition("://")
    host = rest.split("/")[0]
    if ":" not in host:
        host = f"{host}:{443 if scheme == 'https' else 80}"
    return host
