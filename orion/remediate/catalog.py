"""The remediation catalogue, remediations/catalog.yml: which failure runs which executable, under which limits.

Validated at load like the inventory: any defect is a ConfigError naming file:line. Only executables of the
catalogue's own directory run, with literal arguments from the catalogue: never a command from elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from orion import PROJECT_ROOT, yamlsrc
from orion.catalogue import ID_PATTERN

DEFAULT_DIR = PROJECT_ROOT / "remediations"
CATALOG = "catalog.yml"
_DURATION = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SECRET = r"^[a-z0-9][a-z0-9_-]*\.(password|api_key|token)$"


class Mode(StrEnum):
    AUTO = "auto"  # runs as soon as a check fails, within its budget
    CONFIRM = "confirm"  # records a pending action; a person approves it (`orion remediate --approve ID`)
    NEVER = "never"  # alert only, with the reason reports show


def seconds(value: Any) -> float:
    """`30s`, `5m`, `6h`, `1d` (or a number of seconds) as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(f"a duration is a number with s, m, h or d (e.g. 30s, 5m, 6h), got {value!r}")
    return float(match["n"]) * _UNITS[match["unit"]]


Duration = Annotated[float, BeforeValidator(seconds), Field(ge=0)]


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(3, ge=1, le=100)
    per: Duration = 6 * 3600.0


class Backoff(BaseModel):
    """After n attempts in a row that did not fix it, wait cooldown * factor**(n-1), at most `max`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: float = Field(2.0, ge=1, le=10)
    max: Duration = 3600.0


class Target(BaseModel):
    """What a script acts on. `node: check` is the host of the failed check; a node name is each host of it.

    `via` says which connection details the script receives: docker (DOCKER_HOST and the compose project) or
    ssh (address, port, user, key, and the inventory for ansible-playbook).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    node: Literal["check", "cortex", "synapse"] = "check"
    via: Literal["docker", "ssh"]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    req: str
    check: str | None = Field(None, pattern=r"^test_\w+$", description="one check of the requirement, by name")
    mode: Mode
    reason: str | None = Field(None, min_length=10, description="why: required for never and confirm")
    summary: str = Field(min_length=5, description="what it does, in one line (shown by --dry-run and reports)")
    run: str | None = Field(None, pattern=r"^[A-Za-z0-9][\w.-]*$", description="executable in remediations/")
    args: tuple[str, ...] = ()
    target: Target | None = None
    secrets: tuple[Annotated[str, Field(pattern=_SECRET)], ...] = ()
    budget: Budget = Budget()
    cooldown: Duration = 300.0
    backoff: Backoff = Backoff()
    timeout: Duration = Field(120.0, gt=0, le=3600)
    settle: Duration = Field(0.0, le=600, description="how long its checks may take to turn green after it ran")
    batch: bool = Field(False, description="share one call with other batch entries of its executable on a host")

    @model_validator(mode="after")
    def _consistent(self) -> Entry:
        if not ID_PATTERN.match(self.req):
            raise ValueError(f"req {self.req!r} is not a requirement ID (e.g. MAINT-04)")
        if self.mode is not Mode.AUTO and not self.reason:
            raise ValueError(f"a `{self.mode.value}` entry needs a `reason` (reports show it)")
        if self.mode is not Mode.NEVER and (self.run is None or self.target is None):
            raise ValueError(f"a `{self.mode.value}` entry needs `run` (its executable) and `target`")
        return self

    def covers(self, nodeid: str, req: list[str]) -> bool:
        """Whether this entry acts on the failed check `nodeid` (of requirements `req`)."""
        if self.req not in req:
            return False
        return self.check is None or nodeid.split("::")[-1].split("[")[0] == self.check


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    defaults: dict[str, Any] = {}
    entries: dict[str, dict[str, Any]]


class Catalog:
    """The validated catalogue. Iteration keeps the file's order, which is the order actions run in."""

    def __init__(self, directory: Path, entries: dict[str, Entry]) -> None:
        self.directory = directory
        self.entries = entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __getitem__(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.entries

    def executable(self, entry: Entry) -> Path:
        assert entry.run is not None
        return self.directory / entry.run

    def for_check(self, nodeid: str, req: list[str]) -> Entry | None:
        """The entry for a failed check: one naming the check wins over one for its whole requirement."""
        found = [e for e in self if e.covers(nodeid, req)]
        return next((e for e in found if e.check), found[0] if found else None)


def resolve_dir(explicit: Path | str | None = None) -> Path:
    """--remediations, else $ORION_REMEDIATIONS, else the repository's remediations/."""
    for candidate in (explicit, os.environ.get("ORION_REMEDIATIONS")):
        if candidate:
            return Path(candidate).expanduser()
    return DEFAULT_DIR


def load(directory: Path | str | None = None) -> Catalog:
    """Load and validate <directory>/catalog.yml; raises ConfigError naming file:line."""
    folder = resolve_dir(directory)
    doc = yamlsrc.load(folder / CATALOG)
    top = yamlsrc.validate(doc, _File)
    entries: dict[str, Entry] = {}
    for entry_id, body in top.entries.items():
        if not isinstance(body, dict):
            raise doc.error(("entries", entry_id), f"entry {entry_id!r} must be a mapping")
        if not re.match(r"^[a-z0-9][a-z0-9-]*$", str(entry_id)):
            raise doc.error(("entries", entry_id), f"entry ID {entry_id!r}: lowercase words joined by `-`")
        if "id" in body:
            raise doc.error(("entries", entry_id, "id"), "unknown key `id`: the ID is the entry's key")
        data = {**top.defaults, **body, "id": str(entry_id)}
        entry = yamlsrc.validate(doc, Entry, data, ("entries", entry_id))
        if entry.run is not None:
            path = folder / entry.run
            if not path.is_file():
                raise doc.error(("entries", entry_id, "run"), f"no executable {path}")
            if not os.access(path, os.X_OK):
                raise doc.error(("entries", entry_id, "run"), f"{path} is not executable: chmod +x it")
        entries[entry.id] = entry
    return Catalog(folder, entries)
