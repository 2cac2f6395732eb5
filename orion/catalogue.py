"""The requirement catalogue, checks/requirements.yml: every seed ID with its title, domain, node and cadence."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from orion import PROJECT_ROOT, yamlsrc

DEFAULT_PATH = PROJECT_ROOT / "checks" / "requirements.yml"


class Domain(StrEnum):
    """The seed's requirement families, in the order the reports show them."""

    BACKUP = "backup"
    MON = "monitoring"
    MEDIA = "media"
    TORR = "torrent"
    PROXY = "proxy"
    MAINT = "maintenance"
    LLM = "llm"
    SEC = "security"
    INFRA = "infra"


class Cadence(StrEnum):
    CRITICAL = "critical"
    DAILY = "daily"
    WEEKLY = "weekly"


class Kind(StrEnum):
    STATIC = "static"
    LIVE = "live"
    DISRUPTIVE = "disruptive"


ID_PATTERN = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<number>\d{2})$")
NODES = ("cortex", "synapse")


class Never(BaseModel):
    """`remediation: {never: reason}`: nothing may act on this requirement's failures; reports show why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    never: str = Field(min_length=10)


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=3)
    title_fr: str = Field(min_length=3)
    domain: Domain
    node: Literal["cortex", "synapse", "both"]
    cadence: Cadence
    status: Literal["active", "future"] = "active"
    reason: str | None = Field(None, description="why a `future` requirement is beyond V1")
    remediation: str | tuple[str, ...] | Never | None = Field(
        None, description="entry IDs of remediations/catalog.yml, or {never: reason}"
    )
    faults: tuple[str, ...] = ()
    standin: bool = Field(False, description="the lab proves it against a stand-in, not the real product")
    gap: str | None = Field(None, description="why a live check has no lab fault yet")

    @model_validator(mode="after")
    def _consistent(self) -> Requirement:
        match = ID_PATTERN.match(self.id)
        if not match or match["prefix"] not in Domain.__members__:
            families = ", ".join(f"{name}-NN" for name in Domain.__members__)
            raise ValueError(f"{self.id!r} is not a requirement ID ({families})")
        if Domain[match["prefix"]] is not self.domain:
            raise ValueError(f"domain of {self.id} must be {Domain[match['prefix']].value!r}")
        if self.status == "future" and not self.reason:
            raise ValueError("a future requirement needs a `reason`")
        for fault in self.faults:
            if not fault.startswith(f"{self.id}."):
                raise ValueError(f"fault {fault!r} must be named {self.id}.<what>")
        return self

    @property
    def remediations(self) -> tuple[str, ...]:
        """The catalogue entries that act on this requirement's failures."""
        if isinstance(self.remediation, str):
            return (self.remediation,)
        return self.remediation if isinstance(self.remediation, tuple) else ()

    @property
    def remediation_never(self) -> str | None:
        return self.remediation.never if isinstance(self.remediation, Never) else None

    @property
    def nodes(self) -> tuple[str, ...]:
        return NODES if self.node == "both" else (self.node,)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    requirements: dict[str, dict]


class Catalogue:
    """The validated catalogue; iteration follows domain order, then ID."""

    def __init__(self, path: Path, requirements: dict[str, Requirement]) -> None:
        self.path = path
        self.requirements = requirements

    def __contains__(self, req_id: object) -> bool:
        return req_id in self.requirements

    def __getitem__(self, req_id: str) -> Requirement:
        return self.requirements[req_id]

    def __iter__(self) -> Iterator[Requirement]:
        order = list(Domain)
        return iter(sorted(self.requirements.values(), key=lambda r: (order.index(r.domain), r.id)))

    def __len__(self) -> int:
        return len(self.requirements)


def load(path: Path | str = DEFAULT_PATH) -> Catalogue:
    """Load and validate the catalogue; raises ConfigError naming file:line on any defect."""
    doc = yamlsrc.load(path)
    top = yamlsrc.validate(doc, _File)
    requirements: dict[str, Requirement] = {}
    for req_id, entry in top.requirements.items():
        if "id" in entry:
            raise doc.error(("requirements", req_id, "id"), "unknown key `id`: the ID is the entry's key")
        data = {**entry, "id": req_id}
        requirements[req_id] = yamlsrc.validate(doc, Requirement, data, ("requirements", req_id))
    return Catalogue(Path(path), requirements)
