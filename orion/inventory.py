"""The inventory: an Ansible YAML inventory, loaded into typed hosts and services.

The same file drives provisioning/ (Ansible) and the checks. Keys are a closed set: Ansible's
connection variables, Orion's `orion_*` keys, and role variables with a role's prefix; anything
else is a typo and fails with file:line. Secrets are references (`{env: NAME}` or `{file: PATH}`)
resolved at load, never inline values.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, model_validator

from orion import PROJECT_ROOT, redact, yamlsrc

SYSTEM_INVENTORY = Path("/etc/orion/inventory.yml")
LAB_INVENTORY = PROJECT_ROOT / "lab" / "inventory.yml"

ANSIBLE_VARS = frozenset({
    "ansible_host", "ansible_port", "ansible_user", "ansible_ssh_private_key_file", "ansible_connection",
    "ansible_become", "ansible_become_method", "ansible_become_user", "ansible_python_interpreter",
    "ansible_ssh_common_args",
})  # fmt: skip
#: Variables of the provisioning roles carry their role's prefix.
ROLE_PREFIXES = ("base_", "ssh_", "firewall_", "tailscale_", "docker_", "storage_", "nfs_", "maintenance_")
GROUP_KEYS = frozenset({"hosts", "vars", "children"})


class SecretRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    env: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret is {env: NAME} or {file: PATH}, exactly one of them")
        return self


class ServiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://[^\s/]+", description="base URL, http:// or https://")
    timeout: float = Field(5.0, gt=0, le=300)
    verify_tls: bool = True
    username: str | None = None
    password: SecretRef | None = None
    api_key: SecretRef | None = None
    token: SecretRef | None = None


class DockerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(pattern=r"^(unix|tcp|ssh)://")
    project: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")


ORION_VARS: dict[str, Any] = {
    "orion_node": Literal["cortex", "synapse"],
    "orion_domain": str,
    "orion_connect_timeout": float,
    "orion_docker": DockerSpec,
    "orion_services": dict[str, ServiceSpec],
    # Requirements (`SEC-03`) or single checks (`INFRA-02:test_name`) that cannot hold on this host, each with
    # the reason reports show (e.g. the lab has no tailnet).
    "orion_waivers": dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]+-\d{2}(:test_\w+)?$")], str],
}
_ADAPTERS = {key: TypeAdapter(kind) for key, kind in ORION_VARS.items()}


@dataclass(frozen=True)
class Secret:
    """A resolved secret. It prints as *** and its value is registered for redaction."""

    ref: str
    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return redact.MASK


@dataclass(frozen=True)
class Service:
    name: str
    url: str
    timeout: float = 5.0
    verify_tls: bool = True
    username: str | None = None
    password: Secret | None = None
    api_key: Secret | None = None
    token: Secret | None = None


@dataclass(frozen=True)
class DockerEndpoint:
    host: str
    project: str


@dataclass(frozen=True)
class Host:
    name: str
    node: str
    address: str
    port: int = 22
    user: str = "root"
    key_file: Path | None = None
    connect_timeout: float = 10.0
    services: dict[str, Service] = field(default_factory=dict)
    docker: DockerEndpoint | None = None
    groups: tuple[str, ...] = ()
    waivers: dict[str, str] = field(default_factory=dict)
    #: Variables of the provisioning roles (`storage_mount_point`…): the desired state host checks compare with.
    vars: dict[str, Any] = field(default_factory=dict)
    #: False when the inventory tells Ansible not to check host keys (`-o StrictHostKeyChecking=no`), as a lab
    #: whose hosts are rebuilt with new keys does; Orion then pins nothing either.
    check_host_key: bool = True

    @property
    def target(self) -> str:
        return f"{self.user}@{self.address}:{self.port}"


@dataclass(frozen=True)
class Inventory:
    path: Path
    hosts: dict[str, Host]
    domain: str | None = None

    def on(self, node: str) -> list[Host]:
        """The hosts playing `node` ("cortex", "synapse"; "both" means every host)."""
        return [h for h in self.hosts.values() if node in ("both", h.node)]

    def service(self, name: str) -> tuple[Host, Service] | None:
        for host in self.hosts.values():
            if name in host.services:
                return host, host.services[name]
        return None


def resolve_path(explicit: Path | str | None = None) -> Path:
    """--inventory, else $ORION_INVENTORY, else /etc/orion/inventory.yml, else lab/inventory.yml."""
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get("ORION_INVENTORY"):
        return Path(env).expanduser()
    return SYSTEM_INVENTORY if SYSTEM_INVENTORY.exists() else LAB_INVENTORY


def load(path: Path | str | None = None) -> Inventory:
    """Load and validate an inventory. Any defect raises ConfigError naming file:line."""
    doc = yamlsrc.load(resolve_path(path))
    if not isinstance(doc.data, dict) or not doc.data:
        raise doc.error((), "an inventory is a mapping of groups, e.g. `all: {children: {...}}`")
    hostvars: dict[str, dict[str, tuple[Any, yamlsrc.Loc]]] = {}
    groups: dict[str, list[str]] = {}
    for name, body in doc.data.items():
        _walk_group(doc, str(name), body, (name,), {}, hostvars, groups)
    if not hostvars:
        raise doc.error((), "the inventory defines no host")
    hosts = {name: _host(doc, name, merged, groups.get(name, [])) for name, merged in hostvars.items()}
    domain = next((str(var[0]) for merged in hostvars.values() if (var := merged.get("orion_domain"))), None)
    return Inventory(doc.path, hosts, domain)


def _walk_group(
    doc: yamlsrc.Document,
    group: str,
    body: Any,
    loc: yamlsrc.Loc,
    inherited: dict[str, tuple[Any, yamlsrc.Loc]],
    hostvars: dict[str, dict[str, tuple[Any, yamlsrc.Loc]]],
    groups: dict[str, list[str]],
) -> None:
    if body is None:
        return
    if not isinstance(body, dict):
        raise doc.error(loc, f"group {group!r} must be a mapping with hosts, vars or children")
    for key in body:
        if key not in GROUP_KEYS:
            raise doc.error((*loc, key), f"unknown key {key!r} in group {group!r} (expected hosts, vars, children)")
    own = dict(inherited)
    own.update(_vars(doc, body.get("vars"), (*loc, "vars")))
    hosts = body.get("hosts") or {}
    if not isinstance(hosts, dict):
        raise doc.error((*loc, "hosts"), "`hosts` must be a mapping of host names to their variables")
    for host, variables in hosts.items():
        merged = {**own, **hostvars.get(str(host), {})}
        merged.update(_vars(doc, variables, (*loc, "hosts", host)))
        hostvars[str(host)] = merged
        groups.setdefault(str(host), []).append(group)
    children = body.get("children") or {}
    if not isinstance(children, dict):
        raise doc.error((*loc, "children"), "`children` must be a mapping of group names")
    for child, child_body in children.items():
        _walk_group(doc, str(child), child_body, (*loc, "children", child), own, hostvars, groups)


def _vars(doc: yamlsrc.Document, variables: Any, loc: yamlsrc.Loc) -> dict[str, tuple[Any, yamlsrc.Loc]]:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise doc.error(loc, "variables must be a mapping")
    out = {}
    for key, value in variables.items():
        if not _known_var(str(key)):
            raise doc.error(
                (*loc, key),
                f"unknown variable {key!r}: expected an Ansible connection variable, one of "
                f"{', '.join(ORION_VARS)}, or a role variable ({', '.join(p + '*' for p in ROLE_PREFIXES)})",
            )
        out[str(key)] = (value, (*loc, key))
    return out


def _known_var(key: str) -> bool:
    return key in ANSIBLE_VARS or key in ORION_VARS or key.startswith(ROLE_PREFIXES)


def _host(doc: yamlsrc.Document, name: str, merged: dict[str, tuple[Any, yamlsrc.Loc]], groups: list[str]) -> Host:
    def get(key: str, default: Any = None) -> Any:
        if key not in merged:
            return default
        value, loc = merged[key]
        adapter = _ADAPTERS.get(key)
        if adapter is None:
            return value
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = (*loc, *error["loc"])
            raise doc.error(where, f"{'.'.join(map(str, where[-3:]))}: {yamlsrc.explain(error)}") from None

    host_loc = next((loc[:-1] for _, loc in merged.values() if "hosts" in loc), ())
    node = get("orion_node")
    if node is None:
        raise doc.error(host_loc, f"host {name!r} has no orion_node (cortex or synapse)")
    port = merged.get("ansible_port", (22, ()))
    if not isinstance(port[0], int) or not 0 < port[0] < 65536:
        raise doc.error(port[1], f"ansible_port of {name!r} must be a port number, got {port[0]!r}")
    key_file = None
    if "ansible_ssh_private_key_file" in merged:
        raw, loc = merged["ansible_ssh_private_key_file"]
        key_file = _secret_path(doc, str(raw), loc, f"SSH key of {name}")
    services = {
        service: _service(doc, service, spec, merged["orion_services"][1])
        for service, spec in (get("orion_services") or {}).items()
    }
    docker = get("orion_docker")
    timeout = get("orion_connect_timeout", 10.0)
    return Host(
        name=name,
        node=node,
        address=str(get("ansible_host", name)),
        port=port[0],
        user=str(get("ansible_user", "root")),
        key_file=key_file,
        connect_timeout=float(timeout),
        services=services,
        docker=DockerEndpoint(docker.host, docker.project) if docker else None,
        groups=tuple(groups),
        waivers=get("orion_waivers", {}),
        vars={key: value for key, (value, _) in merged.items() if key.startswith(ROLE_PREFIXES)},
        check_host_key="StrictHostKeyChecking=no" not in str(get("ansible_ssh_common_args", "")).replace(" ", ""),
    )


def _service(doc: yamlsrc.Document, name: str, spec: ServiceSpec, loc: yamlsrc.Loc) -> Service:
    secrets = {
        key: _secret(doc, ref, (*loc, name, key), f"{name}.{key}")
        for key in ("password", "api_key", "token")
        if (ref := getattr(spec, key)) is not None
    }
    return Service(name, spec.url.rstrip("/"), spec.timeout, spec.verify_tls, spec.username, **secrets)


def _secret(doc: yamlsrc.Document, ref: SecretRef, loc: yamlsrc.Loc, what: str) -> Secret:
    if ref.env is not None:
        value = os.environ.get(ref.env)
        if not value:
            raise doc.error(loc, f"secret {what}: environment variable {ref.env} is not set")
        secret = Secret(f"env:{ref.env}", value)
    else:
        path = _secret_path(doc, str(ref.file), loc, f"secret {what}")
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise doc.error(loc, f"secret {what}: {path} is empty")
        secret = Secret(f"file:{path}", value)
    redact.register(secret.reveal())
    return secret


def _secret_path(doc: yamlsrc.Document, raw: str, loc: yamlsrc.Loc, what: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = doc.path.parent / path
    try:
        mode = path.stat().st_mode
    except OSError:
        raise doc.error(loc, f"{what}: no such file {path}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise doc.error(loc, f"{what}: {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    return path
