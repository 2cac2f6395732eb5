"""Loki's HTTP API as data: whether it is ready, and the streams holding lines in a recent window (query_range).

Streams carry the labels the shippers set (stacks/*/alloy/config.alloy): `node` on every line, `job="docker"` with
`container`/`service`/`compose_project` for container logs, another job (`journal` on the homelab) for the host's
own logs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from orion.outcomes import CannotObserve
from orion.probes.http import ServiceClient

QUERY_RANGE = "/loki/api/v1/query_range"


@dataclass(frozen=True)
class Stream:
    labels: dict[str, str]
    newest_ns: int
    lines: int

    def age_s(self, now_ns: int) -> float:
        return max(0.0, (now_ns - self.newest_ns) / 1e9)


def ready(loki: ServiceClient) -> tuple[bool, str]:
    """Loki's `/ready`: (ready, what it said). A down Loki or a 5xx raises SubjectDown (ServiceClient)."""
    answer = loki.get("/ready")
    return answer.status_code == 200 and "ready" in answer.text.lower(), f"{answer.status_code} {answer.text[:120]}"


def parse_streams(body: Any) -> list[Stream]:
    """The streams of a query_range answer; raises ValueError when the body is not one."""
    if not isinstance(body, dict) or body.get("status") != "success":
        raise ValueError(f"not a successful query_range answer: {body!r:.200}")
    data = body.get("data") or {}
    if data.get("resultType") != "streams":
        raise ValueError(f"resultType {data.get('resultType')!r}, expected 'streams'")
    streams = []
    for item in data.get("result") or []:
        stamps = [int(ts) for ts, _ in item.get("values") or []]
        if stamps:
            streams.append(Stream({str(k): str(v) for k, v in (item.get("stream") or {}).items()}, max(stamps),
                                  len(stamps)))  # fmt: skip
    return streams


def streams(loki: ServiceClient, selector: str, since_s: float, now_ns: int | None = None) -> list[Stream]:
    """The streams matching a LogQL stream selector with lines in the last `since_s` seconds."""
    end = now_ns or time.time_ns()
    params = {"query": selector, "start": str(end - int(since_s * 1e9)), "end": str(end), "limit": "50",
              "direction": "backward"}  # fmt: skip
    body = loki.json(QUERY_RANGE, params=params)
    try:
        return parse_streams(body)
    except ValueError as exc:
        raise CannotObserve(f"loki: {QUERY_RANGE} {selector}: {exc}") from None
