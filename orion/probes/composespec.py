"""Compose's value syntaxes, read as data: port specs, mounts, memory sizes, image references, variables.

The compose model (compose.py) hands out values as the file spells them; this module says what they mean,
as Docker would: a port without a host address is published on every interface, memory units are binary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from orion.outcomes import CannotObserve
from orion.probes.compose import ComposeService, Stack

#: Host addresses that mean "every interface".
ALL_INTERFACES = frozenset({"", "0.0.0.0", "::", "[::]"})
#: Docker's memory units, binary (https://docs.docker.com/reference/compose-file/extension/#specifying-byte-values).
UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
DOCKER_SOCKET = "docker.sock"
#: Host directories whose mount exposes the Docker socket inside them.
SOCKET_DIRS = frozenset({"/var/run", "/run"})
_READ = re.compile(r"(?<!\$)\$(?:\{(?P<braced>[A-Za-z_]\w*)|(?P<bare>[A-Za-z_]\w*))")


@dataclass(frozen=True)
class Port:
    """One entry of `ports:`; `where` is its file:line."""

    spec: str
    host_ip: str
    published: str  # "" when Docker picks a host port
    target: str
    protocol: str
    where: str

    @property
    def on_all_interfaces(self) -> bool:
        return self.host_ip in ALL_INTERFACES

    def publishes(self, port: int) -> bool:
        low, _, high = self.published.partition("-")
        if not low.isdigit() or not (high or low).isdigit():
            return False
        return int(low) <= port <= int(high or low)


@dataclass(frozen=True)
class Mount:
    """One entry of `volumes:`: a bind mount (source is a host path) or a named volume."""

    source: str
    target: str
    read_only: bool
    bind: bool
    where: str

    @property
    def exposes_docker_socket(self) -> bool:
        source = self.source.rstrip("/") or "/"
        return self.bind and (source.endswith("/" + DOCKER_SOCKET) or source in SOCKET_DIRS)


def ports(service: ComposeService) -> list[Port]:
    return [_port(spec, service.where("ports", i)) for i, spec in enumerate(service.ports)]


def _port(spec: Any, where: str) -> Port:
    if isinstance(spec, dict):  # long syntax
        published = str(spec.get("published", ""))
        return Port(str(spec), str(spec.get("host_ip", "")), published, str(spec.get("target", "")),
                    str(spec.get("protocol", "tcp")), where)  # fmt: skip
    text = str(spec)
    body, _, protocol = text.partition("/")
    host_ip = ""
    if body.startswith("["):  # [::1]:8080:80
        host_ip, _, body = body[1:].partition("]:")
        host_ip = f"[{host_ip}]" if host_ip == "::" else host_ip
    parts = body.split(":")
    if not host_ip and len(parts) == 3:
        host_ip = parts.pop(0)
    published = parts[0] if len(parts) == 2 else ""
    return Port(text, host_ip, published, parts[-1], protocol or "tcp", where)


def mounts(service: ComposeService) -> list[Mount]:
    return [_mount(spec, service.where("volumes", i)) for i, spec in enumerate(service.volumes)]


TEXTFILE_FLAG = "--collector.textfile.directory="


def textfile_directory(service: ComposeService) -> str:
    """The directory node-exporter's textfile collector reads, from the service's command; "" when unset."""
    flags = [str(a) for a in service.get("command") or [] if str(a).startswith(TEXTFILE_FLAG)]
    return flags[0].removeprefix(TEXTFILE_FLAG) if flags else ""


def _mount(spec: Any, where: str) -> Mount:
    if isinstance(spec, dict):
        source, target = str(spec.get("source", "")), str(spec.get("target", ""))
        return Mount(source, target, bool(spec.get("read_only")), spec.get("type") == "bind", where)
    source, _, rest = str(spec).partition(":")
    target, _, mode = rest.partition(":")
    bind = source.startswith(("/", ".", "~"))
    return Mount(source, target, "ro" in mode.split(","), bind, where)


def device_source(spec: Any) -> str:
    """The host device of a `devices:` entry, short (`/dev/x:/dev/x:rwm`) or long syntax."""
    return str(spec.get("source", "")) if isinstance(spec, dict) else str(spec).split(":")[0]


def stacks_beside(stack: Stack) -> list[Stack]:
    """Every stack of the homelab (each directory beside `stack` that has a compose.yml), `stack` included."""
    names = sorted(p.parent.name for p in stack.dir.parent.glob("*/compose.yml"))
    return [stack if name == stack.node else _stack(name, stack.dir.parent) for name in names]


_stack = cache(Stack)


def to_bytes(value: Any) -> int:
    """`256m`, `3g`, `1.5g`, 268435456 → bytes; raises ValueError on anything else."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match[2].lower() not in UNITS:
        raise ValueError(f"{value!r} is not a memory size (b, k, m, g)")
    return int(float(match[1]) * UNITS[match[2].lower()])


def memory_limit(service: ComposeService) -> tuple[int, str] | None:
    """The service's memory limit in bytes and its file:line: `mem_limit` or deploy.resources.limits.memory."""
    limits = ((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    for value, where in ((service.get("mem_limit"), service.where("mem_limit")),
                         (limits.get("memory"), service.where("deploy", "resources", "limits", "memory"))):  # fmt: skip
        if value is not None:
            try:
                return to_bytes(value), where
            except ValueError as exc:
                raise CannotObserve(f"{where}: {exc}") from None
    return None


@dataclass(frozen=True)
class Image:
    """An image reference: repository, tag and digest as Docker parses `image:`."""

    reference: str

    @property
    def digest(self) -> str:
        return self.reference.partition("@")[2]

    @property
    def tag(self) -> str:
        name = self.reference.partition("@")[0]
        last = name.rsplit("/", 1)[-1]
        return last.partition(":")[2]

    @property
    def pinned(self) -> bool:
        """A digest, or a tag other than `latest`."""
        return bool(self.digest) or (bool(self.tag) and self.tag != "latest")


def variables(stack: Stack) -> list[tuple[str, str]]:
    """Every ${VAR} the compose file reads, with its file:line (`$$` escapes excluded, comments skipped)."""
    found = []
    for number, line in enumerate(stack.path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for match in _READ.finditer(line.split(" #", 1)[0]):
            found.append((match["braced"] or match["bare"], f"{stack.relpath}:{number}"))
    return found
