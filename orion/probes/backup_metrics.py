"""The restic job's own report: the textfile metrics backup.sh writes after each run (per set `kind` and
`repository`), read through Prometheus, which scrapes them from synapse's node-exporter."""

from __future__ import annotations

from dataclasses import dataclass

from orion.probes.http import ServiceClient
from orion.probes.prometheus import query

_NAMES = ("last_exit_code", "last_run_timestamp_seconds", "last_success_timestamp_seconds")


@dataclass(frozen=True)
class JobRun:
    """The last run of one job (daily, media, check) on one repository, as its metrics say."""

    kind: str
    repository: str
    exit_code: int
    finished: float
    last_success: float

    def success_age_hours(self, now: float) -> float | None:
        return None if self.last_success <= 0 else (now - self.last_success) / 3600


def last_run(prometheus: ServiceClient, kind: str, repository: str) -> JobRun | None:
    """The job's last run, or None when Prometheus holds none of its metrics (it never ran, or is not scraped)."""
    names = "|".join(f"orion_backup_{n}" for n in _NAMES)
    rows = query(prometheus, f'{{__name__=~"{names}",kind="{kind}",repository="{repository}"}}')
    values = {str(r["metric"]["__name__"]).removeprefix("orion_backup_"): float(r["value"][1]) for r in rows}
    if "last_exit_code" not in values:
        return None
    return JobRun(
        kind=kind,
        repository=repository,
        exit_code=int(values["last_exit_code"]),
        finished=values.get("last_run_timestamp_seconds", 0.0),
        last_success=values.get("last_success_timestamp_seconds", 0.0),
    )
