"""PROXY-05's reading of what a container publishes: which names are deep services, and which bindings listen on
every interface."""

import pytest

from orion.probes.exposure import deep_name, published_everywhere


@pytest.mark.parametrize(
    ("names", "deep"),
    [
        (("radarr",), "radarr"),
        (("", "radarr-from-work"), "radarr-from-work"),
        (("", "films", "lscr.io/linuxserver/radarr:5.2"), "lscr.io/linuxserver/radarr:5.2"),
        (("uptime-kuma-standin",), "uptime-kuma-standin"),
        (("", "jellyfin-db"), "jellyfin-db"),
        (("jellyfin", "cortex-jellyfin-1", "jellyfin/jellyfin:10.10"), None),
        (("caddy", "cortex-caddy-1", "caddy:2.8"), None),
        (("",), None),
    ],
)
def test_a_deep_service_is_known_by_its_service_name_or_image(names, deep):
    assert deep_name(*names) == deep


def test_only_bindings_on_every_interface_count():
    ports = {
        "7878/tcp": [{"HostIp": "0.0.0.0", "HostPort": "7878"}, {"HostIp": "::", "HostPort": "7878"}],
        "9090/tcp": [{"HostIp": "192.168.1.20", "HostPort": "9090"}, {"HostIp": "127.0.0.1", "HostPort": "19090"}],
        "9091/tcp": [{"HostIp": "", "HostPort": "9091"}],
        "2019/tcp": None,
    }
    assert published_everywhere(ports) == ["0.0.0.0:7878->7878/tcp", ":::7878->7878/tcp", "0.0.0.0:9091->9091/tcp"]
    assert published_everywhere(None) == published_everywhere({}) == []
