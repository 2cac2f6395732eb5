"""The inventory: an Ansible YAML inventory, loaded into typed hosts and services.

The same file drives provisioning/ (Ansible) and the checks. Keys are a closed set: Ansible's
connection variables, Orion's `orion_*` keys, and role variables with a role's prefix; anything
else is a typo and fails with file:line. Variables merge as Ansible merges them (orion.inventory_merge), from
the file and the group_vars/ and host_vars/ beside it. Secrets are references (`{env: NAME}` or `{file: PATH}`)
resolved at load, never inline values.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, model_validator

from orion import PROJECT_ROOT, inventory_merge, redact, state, yamlsrc
from orion.inventory_merge import Group

SYSTEM_INVENTORY = Path("/etc/orion/inventory.yml")
#: The lab inventory's template: `orion lab up` renders it into <state>/lab/inventory.yml, which resolution picks.
LAB_INVENTORY = PROJECT_ROOT / "lab" / "inventory.yml"

ANSIBLE_VARS = frozenset({
    "ansible_host", "ansible_port", "ansible_user", "ansible_ssh_private_key_file", "ansible_connection",
    "ansible_become", "ansible_become_method", "ansible_become_user", "ansible_python_interpreter",
    "ansible_ssh_common_args",
})  # fmt: skip
#: Variables of the provisioning roles carry their role's prefix.
ROLE_PREFIXES = ("base_", "ssh_", "firewall_", "tailscale_", "docker_", "storage_", "nfs_", "maintenance_")


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
    totp_secret: SecretRef | None = None  # base32 TOTP seed of the user's second factor (Authelia)


class TelegramSpec(BaseModel):
    """`orion_telegram`: where Orion's notifications go (orion/report/notify.py)."""

    model_config = ConfigDict(extra="forbid")

    #: The allowlist: Orion writes to these chats and no other (a user or group ID, or a @channel).
    chats: list[int | Annotated[str, StringConstraints(pattern=r"^@\w{5,}$")]] = Field(min_length=1)
    #: The orion_services entry with the Bot API's url and the bot's token (a secret).
    service: str = "telegram"
    #: Local time of the daily summary: the first notifying run at or after it sends one.
    summary_at: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "08:00"


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
    # Reports (orion/report/prefs.py): their language, and Gatus-style thresholds: failures in a row before a
    # requirement alerts, passes in a row before it counts as recovered.
    "orion_lang": Literal["fr", "en"],
    "orion_alert_after": Annotated[int, Field(ge=1, le=100)],
    "orion_resolve_after": Annotated[int, Field(ge=1, le=100)],
    # Notifications (orion/report/notify.py) and metrics (orion/report/metrics.py): the Telegram chats, and
    # node-exporter's textfile directory on the machine Orion runs on.
    "orion_telegram": TelegramSpec,
    "orion_textfile_dir": str,
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
    totp_secret: Secret | None = None


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
    #: Every variable after Ansible's precedence, as written (secrets as their {env:}/{file:} references).
    hostvars: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return f"{self.user}@{self.address}:{self.port}"


@dataclass(frozen=True)
class Inventory:
    path: Path
    hosts: dict[str, Host]
    domain: str | None = None
    groups: dict[str, Group] = field(default_factory=dict)

    def on(self, node: str) -> list[Host]:
        """The hosts playing `node` ("cortex", "synapse"; "both" means every host)."""
        return [h for h in self.hosts.values() if node in ("both", h.node)]

    def service(self, name: str) -> tuple[Host, Service] | None:
        for host in self.hosts.values():
            if name in host.services:
                return host, host.services[name]
        return None


def resolve_path(explicit: Path | str | None = None) -> Path:
    """--inventory, else $ORION_INVENTORY, else /etc/orion/inventory.yml, else the lab's as `orion lab up` rendered
    it (<state>/lab/inventory.yml, state dir from $ORION_STATE_DIR as for `orion lab`). Without a rendered one the
    template lab/inventory.yml is returned, so that the error names the file that explains itself."""
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get("ORION_INVENTORY"):
        return Path(env).expanduser()
    if SYSTEM_INVENTORY.exists():
        return SYSTEM_INVENTORY
    rendered = state.lab_inventory()
    return rendered if rendered.exists() else LAB_INVENTORY


def load(path: Path | str | None = None) -> Inventory:
    """Load and validate an inventory, merging variables as Ansible does. Any defect raises ConfigError
    naming file:line."""
    merged = inventory_merge.merge(resolve_path(path), _unknown_var)
    hosts = {name: _host(merged, name) for name in merged.hostvars}
    domain = next((str(var.value) for hv in merged.hostvars.values() if (var := hv.get("orion_domain"))), None)
    groups = {name: Group(g.name, g.hosts, g.children) for name, g in merged.groups.items()}
    return Inventory(merged.doc.path, hosts, domain, groups)


def _unknown_var(key: str) -> str | None:
    if _known_var(key):
        return None
    return (
        f"an Ansible connection variable, one of {', '.join(ORION_VARS)}, "
        f"or a role variable ({', '.join(p + '*' for p in ROLE_PREFIXES)})"
    )


def _known_var(key: str) -> bool:
    return key in ANSIBLE_VARS or key in ORION_VARS or key.startswith(ROLE_PREFIXES)


def _host(merged: inventory_merge.Merged, name: str) -> Host:
    hostvars = merged.hostvars[name]

    def get(key: str, default: Any = None) -> Any:
        if key not in hostvars:
            return default
        var = hostvars[key]
        adapter = _ADAPTERS.get(key)
        if adapter is None:
            return var.value
        try:
            return adapter.validate_python(var.value)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = (*var.loc, *error["loc"])
            raise var.doc.error(where, f"{'.'.join(map(str, where[-3:]))}: {yamlsrc.explain(error)}") from None

    node = get("orion_node")
    if node is None:
        raise merged.doc.error(merged.host_locs[name], f"host {name!r} has no orion_node (cortex or synapse)")
    port = hostvars.get("ansible_port")
    if port is not None and (not isinstance(port.value, int) or not 0 < port.value < 65536):
        raise port.error(f"ansible_port of {name!r} must be a port number, got {port.value!r}")
    base = merged.doc.path.parent
    key_file = None
    if (key := hostvars.get("ansible_ssh_private_key_file")) is not None:
        key_file = _secret_path(base, str(key.value), key, f"SSH key of {name}")
    services = {
        service: _service(base, service, spec, hostvars["orion_services"])
        for service, spec in (get("orion_services") or {}).items()
    }
    docker = get("orion_docker")
    timeout = get("orion_connect_timeout", 10.0)
    return Host(
        name=name,
        node=node,
        address=str(get("ansible_host", name)),
        port=port.value if port is not None else 22,
        user=str(get("ansible_user", "root")),
        key_file=key_file,
        connect_timeout=float(timeout),
        services=services,
        docker=DockerEndpoint(docker.host, docker.project) if docker else None,
        groups=merged.host_groups[name],
        waivers=get("orion_waivers", {}),
        vars={key: var.value for key, var in hostvars.items() if key.startswith(ROLE_PREFIXES)},
        check_host_key="StrictHostKeyChecking=no" not in str(get("ansible_ssh_common_args", "")).replace(" ", ""),
        hostvars={key: var.value for key, var in hostvars.items()},
    )


def _service(base: Path, name: str, spec: ServiceSpec, var: inventory_merge.Var) -> Service:
    secrets = {
        key: _secret(base, ref, var, (name, key), f"{name}.{key}")
        for key in ("password", "api_key", "token", "totp_secret")
        if (ref := getattr(spec, key)) is not None
    }
    return Service(name, spec.url.rstrip("/"), spec.timeout, spec.verify_tls, spec.username, **secrets)


def _secret(base: Path, ref: SecretRef, var: inventory_merge.Var, at: yamlsrc.Loc, what: str) -> Secret:
    if ref.env is not None:
        value = os.environ.get(ref.env)
        if not value:
            raise var.error(f"secret {what}: environment variable {ref.env} is not set", *at)
        secret = Secret(f"env:{ref.env}", value)
    else:
        path = _secret_path(base, str(ref.file), var, f"secret {what}", at)
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise var.error(f"secret {what}: {path} is empty", *at)
        secret = Secret(f"file:{path}", value)
    redact.register(secret.reveal())
    return secret


def _secret_path(base: Path, raw: str, var: inventory_merge.Var, what: str, at: yamlsrc.Loc = ()) -> Path:
    """A file that only its owner may read; a relative path is relative to the inventory file."""
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base / path
    try:
        mode = path.stat().st_mode
    except OSError:
        raise var.error(f"{what}: no such file {path}", *at) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise var.error(f"{what}: {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it", *at)
    return path
