"""The live-service probes' pure parts: Caddy's running routes, certificate names, Ollama names, Prometheus
targets, Alertmanager's Telegram counters."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from orion.inventory import Host, Service
from orion.outcomes import CannotObserve
from orion.probes import caddyadmin, delivery, prometheus, tls
from orion.probes.caddyfile import Caddyfile
from orion.probes.http import ServiceClient
from orion.probes.ollama import canonical

CADDYFILE = """\
(authelia) {
\tforward_auth authelia:9091 {
\t\turi /api/authz/forward-auth
\t}
}
*.example.org {
\t@app host app.example.org
\thandle @app {
\t\timport authelia
\t\treverse_proxy app:8080
\t}
\t@deep host deep.example.org
\thandle @deep {
\t\troute {
\t\t\timport authelia
\t\t\treverse_proxy http://deep
\t\t}
\t}
}
"""

#: What Caddy 2.6 adapts the Caddyfile above into (trimmed to what the probe reads).
RUNNING: dict[str, Any] = {
    "apps": {"http": {"servers": {"srv0": {"routes": [{"match": [{"host": ["*.example.org"]}], "handle": [
        {"handler": "subroute", "routes": [
            {"match": [{"host": ["app.example.org"]}], "handle": [{"handler": "subroute", "routes": [
                {"handle": [{"handler": "reverse_proxy", "handle_response": [{}],
                             "upstreams": [{"dial": "authelia:9091"}]}]},
                {"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "app:8080"}]}]}]}]},
            {"match": [{"host": ["deep.example.org"]}], "handle": [{"handler": "subroute", "routes": [
                {"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "deep:80"}]}]}]}]},
        ]}]}]}}}},
}  # fmt: skip


def test_caddy_running_upstreams_leave_forward_auth_out():
    running = caddyadmin.upstreams_by_host(RUNNING)
    assert running["app.example.org"] == {"app:8080"}
    assert running["deep.example.org"] == {"deep:80"}


def test_caddyfile_upstreams_are_dialled_as_caddy_dials_them(tmp_path: Path):
    path = tmp_path / "Caddyfile"
    path.write_text(CADDYFILE)
    desired = {r.hosts: caddyadmin.desired_upstreams(r) for r in Caddyfile(path).routes()}
    assert desired[("app.example.org",)] == {"app:8080"}
    assert desired[("deep.example.org",)] == {"deep:80"}


def test_a_swapped_upstream_differs_from_the_caddyfile(tmp_path: Path):
    path = tmp_path / "Caddyfile"
    path.write_text(CADDYFILE)
    swapped = RUNNING["apps"]["http"]["servers"]["srv0"]["routes"][0]["handle"][0]["routes"][1]
    swapped["handle"][0]["routes"][0]["handle"][0]["upstreams"] = [{"dial": "app:8080"}]
    route = next(r for r in Caddyfile(path).routes() if r.hosts == ("deep.example.org",))
    assert caddyadmin.upstreams_by_host(RUNNING)["deep.example.org"] != caddyadmin.desired_upstreams(route)
    swapped["handle"][0]["routes"][0]["handle"][0]["upstreams"] = [{"dial": "deep:80"}]


@pytest.mark.parametrize(
    ("pattern", "name", "covered"),
    [
        ("*.example.org", "app.example.org", True),
        ("*.example.org", "example.org", False),
        ("*.example.org", "a.b.example.org", False),
        ("app.example.org", "APP.example.org", True),
    ],
)
def test_a_certificate_covers_a_name_as_tls_clients_match_it(pattern: str, name: str, covered: bool):
    cert = tls.Served(name, dt.datetime.now(dt.UTC), (pattern,), "CN=test")
    assert cert.covers(name) is covered


def test_served_reads_expiry_and_names_of_a_real_certificate(tmp_path: Path):
    """A TLS server on loopback with a 2-day certificate: days_left and covers come from the certificate."""
    import socket
    import ssl
    import threading

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "test")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.example.org"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    from cryptography.hazmat.primitives import serialization

    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "c.pem", tmp_path / "k.pem")
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def accept() -> None:
        conn, _ = server.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as s:
                s.recv(1)
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    served = tls.served(f"https://127.0.0.1:{port}", "app.example.org")
    server.close()
    assert served.covers("app.example.org") and not served.covers("example.org")
    assert 1.9 < served.days_left() < 2.1


def test_ollama_names_default_to_latest():
    assert canonical("phi3") == "phi3:latest"
    assert canonical("phi3:mini") == "phi3:mini"


def _client(handler: Any, name: str = "svc") -> ServiceClient:
    service = Service(name=name, url="http://svc.test")
    client = ServiceClient(Host(name="h", node="synapse", address="127.0.0.1"), service)
    client.client = httpx.Client(base_url=service.url, transport=httpx.MockTransport(handler))
    return client


def test_prometheus_targets_are_named_by_the_address_the_configuration_gave():
    body = {"status": "success", "data": {"activeTargets": [
        {"discoveredLabels": {"__address__": "https://x.example.org/", "job": "blackbox"},
         "labels": {"job": "blackbox", "instance": "https://x.example.org/"}, "health": "up", "lastError": ""},
        {"discoveredLabels": {"__address__": "loki:3100"}, "labels": {"job": "loki"}, "health": "down",
         "lastError": "refused"}]}}  # fmt: skip
    found = prometheus.scraped(_client(lambda request: httpx.Response(200, json=body), "prometheus"))
    assert [(t.job, t.address, t.health) for t in found] == [
        ("blackbox", "https://x.example.org/", "up"),
        ("loki", "loki:3100", "down"),
    ]


def test_alertmanager_telegram_counters_sum_the_telegram_integration_only():
    text = (
        'alertmanager_notifications_total{integration="telegram"} 3\n'
        'alertmanager_notifications_total{integration="email"} 9\n'
        'alertmanager_notifications_failed_total{integration="telegram",reason="other"} 1\n'
    )
    client = _client(lambda request: httpx.Response(200, text=text), "alertmanager")
    assert delivery.telegram_counters(client) == (3.0, 1.0)


ROUTED_CONFIG = """\
route: {receiver: telegram-warning}
receivers:
  - name: telegram-warning
    telegram_configs: [{chat_id: 1}]
  - name: blackhole
"""


@pytest.mark.parametrize(("routed", "away"), [(["telegram-warning"], []), (["blackhole"], ["blackhole"]),
                                             (["blackhole", "telegram-warning"], []), ([], [])])  # fmt: skip
def test_a_test_alert_routed_only_to_receivers_without_telegram_is_named_at_once(routed, away):
    alert = delivery.DeliveryAlert("critical")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/status":
            return httpx.Response(200, json={"config": {"original": ROUTED_CONFIG}})
        assert alert.name in request.url.params["filter"]
        return httpx.Response(200, json=[{"labels": {}, "receivers": [{"name": n} for n in routed]}])

    assert delivery.receivers_without_telegram(_client(answer, "alertmanager"), alert) == away


def test_an_unreadable_running_configuration_cannot_be_observed():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/status":
            return httpx.Response(200, json={"config": {"original": "receivers: [unclosed"}})
        return httpx.Response(200, json=[{"receivers": [{"name": "blackhole"}]}])

    with pytest.raises(CannotObserve, match="running configuration"):
        delivery.receivers_without_telegram(_client(answer, "alertmanager"), delivery.DeliveryAlert("critical"))


def test_each_test_alert_is_a_group_of_its_own():
    first, second = delivery.DeliveryAlert("critical"), delivery.DeliveryAlert("critical")
    assert first.name != second.name
    labels = first.payload(dt.datetime.now(dt.UTC))[0]["labels"]
    assert labels["severity"] == "critical" and first.nonce in str(first.payload(dt.datetime.now(dt.UTC)))
