"""What faces the Internet: the public set (seed PROXY-03) and the deep services (seed PROXY-05), by name."""

from __future__ import annotations

DOMAIN = "jarvis-hub.tech"
#: The only hosts the Internet reaches (seed: PROXY-03).
PUBLIC = frozenset({f"jellyfin.{DOMAIN}", f"grafana.{DOMAIN}", f"orion.{DOMAIN}"})
#: Services that never face the Internet (seed: PROXY-05), by compose service or host name; and data stores.
DEEP = frozenset({"radarr", "sonarr", "prowlarr", "qbittorrent", "gluetun", "prometheus", "loki", "alertmanager",
                  "redis", "pihole", "uptime-kuma", "status", "orion-status"})  # fmt: skip
DATABASE_HINTS = ("db", "postgres", "mariadb", "mysql", "mongo")


#: The host addresses of a port published on every interface (`-p 9090:9090`, `ports: ["9090:9090"]`).
EVERY_INTERFACE = frozenset({"", "0.0.0.0", "::"})


def deep_name(*names: str) -> str | None:
    """The first of `names` (a compose service, a container name, an image) that names a deep service, past a
    registry path, a tag, a domain and a suffix (`radarr-copy`, `lscr.io/linuxserver/radarr:5.2`); else None."""
    for name in names:
        parts = name.rsplit("/", 1)[-1].split(":")[0].split(".")[0].split("-")
        if any(is_deep("-".join(parts[:end])) for end in range(1, len(parts) + 1)):
            return name
    return None


def published_everywhere(ports: dict[str, list[dict[str, str]] | None] | None) -> list[str]:
    """The bindings of a container's `NetworkSettings.Ports` that listen on every interface, as `IP:PORT->PORT`."""
    return [
        f"{binding.get('HostIp') or '0.0.0.0'}:{binding.get('HostPort')}->{port}"
        for port, bindings in (ports or {}).items()
        for binding in bindings or []
        if binding.get("HostIp", "") in EVERY_INTERFACE
    ]


def is_deep(name: str) -> bool:
    """Whether a compose service or host name (`radarr`, `radarr.jarvis-hub.tech`) is a deep service."""
    return name.split(".")[0] in DEEP or any(hint in name for hint in DATABASE_HINTS)
