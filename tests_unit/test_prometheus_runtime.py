"""MON-01: a Prometheus that has just started lists no target yet, which is not an observation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orion.inventory import Host, Service
from orion.outcomes import CannotObserve
from orion.probes.http import ServiceClient
from orion.probes.prometheus import seconds_since_configured


def prometheus(data: dict) -> ServiceClient:
    answer = httpx.Response(200, text=json.dumps({"status": "success", "data": data}))
    client = ServiceClient(
        Host("orion-synapse", "synapse", "127.0.0.1"), Service("prometheus", "http://127.0.0.1:9090")
    )
    client.client = httpx.Client(base_url="http://127.0.0.1:9090", transport=httpx.MockTransport(lambda _: answer))
    return client


def stamp(seconds_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%S.%f123Z")  # nanoseconds


def test_the_later_of_start_and_last_reload_counts():
    age = seconds_since_configured(prometheus({"startTime": stamp(3600), "lastConfigTime": stamp(10)}))
    assert 9 < age < 30


def test_a_runtimeinfo_without_times_is_an_error():
    with pytest.raises(CannotObserve, match="no startTime"):
        seconds_since_configured(prometheus({"CWD": "/"}))
