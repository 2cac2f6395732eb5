"""What every tool returns (its data and the citation of its source) and how it fails (its source down).

A tool is read-only, has a timeout, and either returns a :class:`Result` (data + where it came from: the PromQL
query, the LogQL stream, the check ID, the API path) or raises :class:`SourceDown` naming the source and why,
which the answers print as such ("Prometheus ne répond pas : …") instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from orion import inventory as inventory_mod
from orion import redact
from orion.outcomes import CannotObserve, SubjectDown
from orion.probes.http import ServiceClient

#: No tool waits longer than this on a source, whatever the inventory's timeout: the owner is waiting.
TOOL_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Result:
    tool: str
    data: Any
    #: The citation: the query, the log stream, the check ID or the API call the data comes from.
    source: str
    notes: list[str] = field(default_factory=list)


class SourceDown(Exception):
    """The tool's source does not answer (down, refused, timed out, not configured)."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = redact.text(reason)
        super().__init__(f"{source}: {self.reason}")


_clients: dict[tuple[int, str, float], tuple[inventory_mod.Inventory, ServiceClient]] = {}


def client(inv: inventory_mod.Inventory, name: str, timeout: float | None = None) -> ServiceClient:
    """A client for the inventory's service `name`, its timeout capped at `timeout` (default TOOL_TIMEOUT_S).
    Clients are kept for the process (one per inventory, service and timeout): a connection pool, not a new TLS
    context per query."""
    cap = TOOL_TIMEOUT_S if timeout is None else timeout
    key = (id(inv), name, cap)
    if key in _clients and _clients[key][0] is inv:  # the same inventory, not another at a reused id
        return _clients[key][1]
    found = inv.service(name)
    if found is None:
        raise SourceDown(name, f"no orion_services entry {name!r} in {inv.path}")
    host, service = found
    made = ServiceClient(host, replace(service, timeout=min(service.timeout, cap)))
    _clients[key] = (inv, made)
    return made


def call(name: str, action: Any) -> Any:
    """Run `action()`; a source down or unobservable becomes SourceDown(name, why)."""
    try:
        return action()
    except SubjectDown as exc:
        raise SourceDown(name, f"{exc.observed} ({exc.source})") from None
    except CannotObserve as exc:
        raise SourceDown(name, str(exc)) from None
