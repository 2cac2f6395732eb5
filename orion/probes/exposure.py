"""What faces the Internet: the public set (seed PROXY-03) and the deep services (seed PROXY-05), by name."""

from __future__ import annotations

DOMAIN = "jarvis-hub.tech"
#: The only hosts the Internet reaches (seed: PROXY-03).
PUBLIC = frozenset({f"jellyfin.{DOMAIN}", f"grafana.{DOMAIN}", f"orion.{DOMAIN}"})
#: Services that never face the Internet (seed: PROXY-05), by compose service or host name; and data stores.
DEEP = frozenset({"radarr", "sonarr", "prowlarr", "qbittorrent", "gluetun", "prometheus", "loki", "alertmanager",
                  "redis", "pihole", "uptime-kuma", "status", "orion-status"})  # fmt: skip
DATABASE_HINTS = ("db", "postgres", "mariadb", "mysql", "mongo")


def is_deep(name: str) -> bool:
    """Whether a compose service or host name (`radarr`, `radarr.jarvis-hub.tech`) is a deep service."""
    return name.split(".")[0] in DEEP or any(hint in name for hint in DATABASE_HINTS)
