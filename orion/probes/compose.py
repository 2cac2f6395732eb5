"""A read-only model of a node's stack (stacks/<node>/compose.yml) for static checks.

Values are interpolated with the node's `.env.example`, as `docker compose --env-file` would, and
every value keeps its file:line so that a violation names where to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from orion import tree, yamlsrc
from orion.errors import ConfigError
from orion.expect import expect_contains
from orion.probes import located

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VAR = re.compile(rf"\$(?:(?P<escaped>\$)|\{{(?P<name>{_NAME})(?P<op>:?[-?+])?(?P<arg>[^}}]*)\}}|(?P<bare>{_NAME}))")


def stacks_root() -> Path:
    """Where the stacks are: those of the subject tree (orion.tree)."""
    return tree.current().stacks


class UnsetVariable(ValueError):
    """A `${VAR:?message}` (or `${VAR?message}`) whose variable is missing: compose refuses the file."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"required variable {name} is missing a value" + (f": {message}" if message else ""))


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable syntax: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR:+alt}, $$.

    A required variable (`:?` unset or empty, `?` unset) raises UnsetVariable, as compose fails on it.
    """

    def sub(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["name"] or match["bare"]
        op, arg = match["op"] or "", match["arg"] or ""
        value = env.get(name)
        unset = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return arg if unset else str(value)
        if op.endswith("+"):
            return "" if unset else arg
        if op.endswith("?") and unset:
            raise UnsetVariable(name, arg)
        return "" if value is None else value

    return _VAR.sub(sub, value)


def read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    if not path.exists():
        return env
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise ConfigError(path, number, "expected VAR=value")
        env[key.strip()] = value.strip().strip("'\"")
    return env


@dataclass(frozen=True)
class ComposeService:
    name: str
    raw: dict[str, Any]
    stack: Stack

    def where(self, *keys: str | int) -> str:
        """file:line of this service's `keys` (or of the service itself)."""
        return self.stack.where("services", self.name, *keys)

    def get(self, key: str, default: Any = None) -> Any:
        return self.stack.resolve(self.raw.get(key, default), ("services", self.name, key))

    @property
    def image(self) -> str | None:
        return self.get("image")

    @property
    def network_mode(self) -> str | None:
        return self.get("network_mode")

    @property
    def ports(self) -> list[Any]:
        return self.get("ports") or []

    @property
    def cap_add(self) -> list[str]:
        return self.get("cap_add") or []

    @property
    def devices(self) -> list[Any]:
        return self.get("devices") or []

    @property
    def security_opt(self) -> list[str]:
        return self.get("security_opt") or []

    @property
    def volumes(self) -> list[Any]:
        return self.get("volumes") or []

    @property
    def networks(self) -> list[str]:
        networks = self.get("networks") or []
        return list(networks) if isinstance(networks, dict) else networks

    @property
    def environment(self) -> dict[str, str]:
        """Environment as a mapping, whichever of the two compose forms the file uses."""
        env = self.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.partition("=")[::2] for item in env)
        return {str(k): "" if v is None else str(v) for k, v in env.items()}

    @property
    def labels(self) -> dict[str, str]:
        labels = self.get("labels") or {}
        if isinstance(labels, list):
            labels = dict(item.partition("=")[::2] for item in labels)
        return {str(k): str(v) for k, v in labels.items()}


class Stack:
    """The compose project of one node."""

    def __init__(self, node: str, root: Path | None = None) -> None:
        self.node = node
        self.dir = (root if root is not None else stacks_root()) / node
        self.path = self.dir / "compose.yml"
        self.doc = yamlsrc.load(self.path)
        if not isinstance(self.doc.data, dict) or not isinstance(self.doc.data.get("services"), dict):
            raise self.doc.error((), "a compose file needs a `services:` mapping")
        self.env = read_env(self.dir / ".env.example")

    @cached_property
    def services(self) -> dict[str, ComposeService]:
        return {name: ComposeService(name, raw or {}, self) for name, raw in self.doc.data["services"].items()}

    def service(self, name: str) -> ComposeService:
        __tracebackhide__ = True
        if name not in self.services:  # fails, with the services it has as evidence
            expect_contains(self.services, name, f"the {self.node} stack has no service", where=self.where("services"))
        return self.services[name]

    @property
    def networks(self) -> dict[str, Any]:
        return self.resolve(self.doc.data.get("networks") or {}, ("networks",))

    @property
    def relpath(self) -> str:
        """compose.yml as a person reads it: stacks/cortex/compose.yml in the judged tree, else absolute."""
        return located.shown(self.path)

    def where(self, *loc: str | int) -> str:
        line = self.doc.line(tuple(loc))
        return f"{self.relpath}:{line}" if line else self.relpath

    def resolve(self, value: Any, loc: yamlsrc.Loc = ()) -> Any:
        """`value` (found at `loc`) with variables interpolated from .env.example; a required one that is
        missing is a ConfigError at its line, as `docker compose config` would refuse the file."""
        if isinstance(value, str):
            try:
                return interpolate(value, self.env)
            except UnsetVariable as exc:
                env = located.shown(self.dir / ".env.example")
                raise ConfigError(self.path, self.doc.line(loc), f"{exc} (in {env})") from None
        if isinstance(value, list):
            return [self.resolve(v, (*loc, i)) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.resolve(v, (*loc, k)) for k, v in value.items()}
        return value
