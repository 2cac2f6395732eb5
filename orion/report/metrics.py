"""Orion's results as Prometheus metrics: `orion.prom` in node-exporter's textfile collector directory.

After every `orion check`, the checks it ran update `<state>/metrics/checks.json` (the latest result of every check,
whichever selection ran it: the 5-minute critical run does not erase what the daily run found), and the whole
file is written again atomically (a temporary file in the same directory, fsynced, then renamed: node-exporter
reads `*.prom` only, so it never sees half a file).

The metrics (labels: `requirement` as in the alert rules, `host` the node the check ran for, `check` the check's
function name; a parametrised check's cases on one host collapse into their worst status):

    orion_check_status{requirement,host,check}       1 passed (or remediated), 0 failed: the last OBSERVED result
    orion_check_unobserved{requirement,host,check}   1 when the latest run could not observe it (error), else 0
    orion_check_duration_seconds{requirement,host,check}
    orion_requirement_status{requirement,cadence}    the worst orion_check_status of its checks (1 or 0)
    orion_run_duration_seconds{cadence}              the last run that ran checks of that cadence
    orion_last_run_timestamp_seconds{cadence}        when it finished (Unix time)
    orion_remediation_total{requirement,status}      remediation decisions in the history (a counter)

Why the status is 1/0 and an error is a separate series: an error says nothing about the system, so it must not
read as "failed" (0) nor as "passed" (1), and a third value (-1) would break every `min`/`avg` over the status
(`min by (requirement) (orion_check_status) == 0` would miss a failure next to an error). So the status keeps the
last thing Orion saw, and `orion_check_unobserved` says that it is not current. A check never observed has no
status series. Skipped checks (waived, not applicable) have no series at all. A check not run for `FORGET_DAYS`
days (removed, renamed) is forgotten.

The directory: `$ORION_TEXTFILE_DIR` (the synapse runner container sets it), else the inventory's
`orion_textfile_dir`, else `/var/lib/node_exporter/textfile_collector` (provisioning's
`maintenance_textfile_dir`, which the stack's node-exporter mounts). When it does not exist, nothing is written:
node-exporter is not installed there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from orion.outcomes import Outcome

DEFAULT_DIR = Path("/var/lib/node_exporter/textfile_collector")
FILE = "orion.prom"
FORGET_DAYS = 8
CADENCES = ("critical", "daily", "weekly")

HELP = {
    "orion_check_status": ("gauge", "Last observed result of an Orion check: 1 passed or remediated, 0 failed."),
    "orion_check_unobserved": ("gauge", "1 when Orion's latest run could not observe this check (error)."),
    "orion_check_duration_seconds": ("gauge", "Duration of the check in its latest run."),
    "orion_requirement_status": ("gauge", "Worst last observed status of the requirement's checks: 1 or 0."),
    "orion_run_duration_seconds": ("gauge", "Duration of the latest Orion run with checks of this cadence."),
    "orion_last_run_timestamp_seconds": ("gauge", "End of the latest Orion run with checks of this cadence."),
    "orion_remediation_total": ("counter", "Remediation decisions recorded in Orion's history, by outcome."),
}


def textfile_dir(inv: Any | None = None) -> Path:
    """$ORION_TEXTFILE_DIR, else the inventory's orion_textfile_dir (first host that sets it), else the default."""
    if env := os.environ.get("ORION_TEXTFILE_DIR"):
        return Path(env)
    if inv is not None:
        found = next((h.hostvars["orion_textfile_dir"] for h in inv.hosts.values()
                      if "orion_textfile_dir" in h.hostvars), None)  # fmt: skip
        if found:
            return Path(str(found))
    return DEFAULT_DIR


@dataclass(frozen=True)
class Written:
    path: Path | None
    reason: str = ""


def update(state: Path, body: dict[str, Any], directory: Path, *, requirements: dict[str, str] | None = None,
           now: float | None = None) -> Written:  # fmt: skip
    """Merge the run record `body` into the kept results and write the textfile. `requirements` maps each
    requirement ID to its cadence (the catalogue's)."""
    now = time.time() if now is None else now
    kept = _load(state)
    checks: dict[str, dict[str, Any]] = kept.setdefault("checks", {})
    for check in body.get("checks", []):
        outcome = check.get("outcome")
        if outcome == Outcome.SKIPPED:
            checks.pop(check["nodeid"], None)
            continue
        entry = checks.setdefault(check["nodeid"], {})
        remediated = (check.get("remediation") or {}).get("status") == "remediated"
        if outcome == Outcome.PASSED or remediated:
            entry["status"] = 1
        elif outcome == Outcome.FAILED:
            entry["status"] = 0
        entry |= {"req": list(check.get("req") or []), "host": check.get("host") or "",
                  "unobserved": int(outcome == Outcome.ERROR and not remediated), "at": now,
                  "duration": float(check.get("duration_s") or 0.0)}  # fmt: skip
    forget = now - FORGET_DAYS * 86400
    kept["checks"] = {k: v for k, v in checks.items() if v.get("at", 0) >= forget}
    ran = {c.get("cadence") for c in body.get("checks", []) if c.get("cadence") in CADENCES}
    runs: dict[str, dict[str, float]] = kept.setdefault("runs", {})
    finished, duration = _times(body, now)
    for cadence in ran:
        runs[cadence] = {"finished": finished, "duration": duration}
    _save(state, kept)
    if not directory.is_dir():
        return Written(None, f"{directory} does not exist (no node-exporter textfile collector here)")
    text = render(kept, requirements or {}, _remediations(state))
    path = directory / FILE
    _atomic(path, text)
    return Written(path)


def render(kept: dict[str, Any], requirements: dict[str, str], remediations: list[tuple[str, str, int]]) -> str:
    """The textfile, in Prometheus's text exposition format."""
    samples: dict[str, list[str]] = {name: [] for name in HELP}
    cases: dict[tuple[str, str, str], dict[str, float]] = {}
    for nodeid, entry in kept.get("checks", {}).items():
        for req in entry.get("req") or []:
            key = (req, entry.get("host", ""), _function(nodeid))
            case = cases.setdefault(key, {"unobserved": 0, "duration": 0.0})
            if "status" in entry:
                case["status"] = min(case.get("status", 1), entry["status"])
            case["unobserved"] = max(case["unobserved"], entry.get("unobserved", 0))
            case["duration"] += entry.get("duration", 0.0)
    worst: dict[str, int] = {}
    for (req, host, check), case in sorted(cases.items()):
        labels = _labels(requirement=req, host=host, check=check)
        if "status" in case:
            samples["orion_check_status"].append(f"orion_check_status{labels} {int(case['status'])}")
            worst[req] = min(worst.get(req, 1), int(case["status"]))
        samples["orion_check_unobserved"].append(f"orion_check_unobserved{labels} {int(case['unobserved'])}")
        samples["orion_check_duration_seconds"].append(f"orion_check_duration_seconds{labels} {case['duration']:g}")
    for req, status in sorted(worst.items()):
        labels = _labels(requirement=req, cadence=requirements.get(req, ""))
        samples["orion_requirement_status"].append(f"orion_requirement_status{labels} {status}")
    for cadence, run in sorted(kept.get("runs", {}).items()):
        labels = _labels(cadence=cadence)
        samples["orion_run_duration_seconds"].append(f"orion_run_duration_seconds{labels} {run['duration']:g}")
        samples["orion_last_run_timestamp_seconds"].append(
            f"orion_last_run_timestamp_seconds{labels} {run['finished']:.3f}"
        )
    for req, status, count in remediations:
        labels = _labels(requirement=req, status=status)
        samples["orion_remediation_total"].append(f"orion_remediation_total{labels} {count}")
    lines = []
    for name, (kind, text) in HELP.items():
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *samples[name]]
    return "\n".join(lines) + "\n"


def _function(nodeid: str) -> str:
    """`checks/x/test_y.py::test_z[cortex]` -> `test_z`."""
    return nodeid.rsplit("::", 1)[-1].split("[", 1)[0]


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return "{" + ",".join(f'{k}="{escape(str(v))}"' for k, v in labels.items()) + "}"


def _times(body: dict[str, Any], now: float) -> tuple[float, float]:
    def parse(value: Any) -> float | None:
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None

    started, finished = parse(body.get("started")), parse(body.get("finished"))
    finished = finished or now
    return finished, max(0.0, finished - started) if started else 0.0


def _remediations(state: Path) -> list[tuple[str, str, int]]:
    path = state / "history.sqlite"
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            rows = db.execute("SELECT req, status, COUNT(*) FROM remediations GROUP BY req, status ORDER BY 1, 2")
            return [(str(r), str(s), int(n)) for r, s, n in rows]
        finally:
            db.close()
    except sqlite3.Error:
        return []


def _load(state: Path) -> dict[str, Any]:
    try:
        found = json.loads((state / "metrics" / "checks.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _save(state: Path, kept: dict[str, Any]) -> None:
    where = state / "metrics"
    where.mkdir(parents=True, exist_ok=True)
    _atomic(where / "checks.json", json.dumps(kept, indent=1) + "\n", mode=0o640)


def _atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """A temporary file beside `path` (a dotfile: not `*.prom`), fsynced, then renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
