"""cloudflared's config.yml: the tunnel's ingress rules, in order, each with its file:line."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from orion import yamlsrc
from orion.errors import ConfigError
from orion.probes import located
from orion.probes.compose import Stack

CATCH_ALL_404 = "http_status:404"


@dataclass(frozen=True)
class Ingress:
    hostname: str | None  # None: matches every host (a catch-all)
    service: str
    where: str

    @property
    def upstream_host(self) -> str:
        """The host name the rule forwards to (`caddy` for https://caddy:443), or "" for http_status:…"""
        if "://" not in self.service:
            return ""
        return urlsplit(self.service).hostname or ""


class Tunnel:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = yamlsrc.load(path)
        rules = self.doc.data.get("ingress") if isinstance(self.doc.data, dict) else None
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise ConfigError(path, self.doc.line(("ingress",)), "`ingress:` must be a list of rules")
        self.ingress = [
            Ingress(r.get("hostname"), str(r.get("service", "")), located.at(path, self.doc.line(("ingress", i))))
            for i, r in enumerate(rules)
        ]

    @staticmethod
    def of(stack: Stack) -> Tunnel:
        """The stack's cloudflared/config.yml, read once per process."""
        return _load(located.read(stack.dir / "cloudflared" / "config.yml"))

    @property
    def where(self) -> str:
        return located.at(self.path, self.doc.line(("ingress",)))

    @property
    def routed(self) -> list[Ingress]:
        """The rules that forward a named host somewhere (not the catch-all)."""
        return [r for r in self.ingress if r.hostname]


_load = cache(Tunnel)
