"""MON-03's live reading: the configuration a running Alertmanager loaded, from GET /api/v2/status."""

from __future__ import annotations

import json

import httpx
import pytest

from orion.inventory import Host, Service
from orion.outcomes import CannotObserve, SubjectDown
from orion.probes.alertmanager import AlertmanagerConfig
from orion.probes.http import ServiceClient

ROUTED = """\
route:
  receiver: telegram-warning
  routes:
    - receiver: telegram-critical
      matchers: ['severity="critical"']
receivers:
  - name: telegram-critical
    telegram_configs: [{bot_token: <secret>, chat_id: -100}]
  - name: telegram-warning
    telegram_configs: [{bot_token: <secret>, chat_id: -100}]
"""
BLACKHOLED = ROUTED.replace("- receiver: telegram-critical", "- receiver: blackhole") + "  - name: blackhole\n"


def alertmanager(answer: httpx.Response) -> ServiceClient:
    host = Host("orion-synapse", "synapse", "127.0.0.1")
    client = ServiceClient(host, Service("alertmanager", "http://127.0.0.1:9093"))
    client.client = httpx.Client(base_url="http://127.0.0.1:9093", transport=httpx.MockTransport(lambda _: answer))
    return client


def status(original: str) -> httpx.Response:
    return httpx.Response(200, text=json.dumps({"config": {"original": original}, "cluster": {}}))


def test_a_routed_config_sends_both_severities_to_telegram_on_separate_routes():
    config = AlertmanagerConfig.running(alertmanager(status(ROUTED)))
    assert config.telegram_gap("critical") is None and config.telegram_gap("warning") is None
    assert config.shared_route() is None


def test_a_blackholed_severity_is_named_with_where_the_running_config_says_so():
    gap = AlertmanagerConfig.running(alertmanager(status(BLACKHOLED))).telegram_gap("critical")
    assert gap is not None
    assert "'blackhole'" in gap and "/api/v2/status config.original, line 4" in gap


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(200, text='{"cluster": {}}'), "no config.original"),
        (httpx.Response(200, text="not json"), "did not answer JSON"),
        (status("route: [unclosed"), "invalid YAML"),
        (status("global: {}\n"), "needs a `route:`"),
    ],
)
def test_an_answer_that_is_not_a_config_is_an_error_naming_its_source(answer, says):
    with pytest.raises(CannotObserve, match=says):
        AlertmanagerConfig.running(alertmanager(answer))


def test_an_alertmanager_answering_5xx_is_down():
    with pytest.raises(SubjectDown, match="HTTP 503"):
        AlertmanagerConfig.running(alertmanager(httpx.Response(503, text="starting")))
