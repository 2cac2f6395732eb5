"""The weekly report (MAINT-07): the state of the system, the week's incidents and remediations, what a person
must do, and recommendations, from the history and from Prometheus, with a PNG chart of the week.

`write_weekly` writes under `<state>/reports/`: `weekly-<date>.html` (a self-contained page, the chart inline),
`weekly-<date>.txt`, `weekly-<date>.png` (the chart, to send with the message), `weekly-<date>.msg.html` (the
Telegram message, ≤ 4096 characters after entity parsing) and the marker `weekly-latest.json`
({"at", "report", "text", "message", "chart", "week"}) that MAINT-07's check reads. Whoever delivers the message
writes `weekly-delivered.json` ({"at", "report"}) once Telegram has it.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orion import history, redact
from orion import inventory as inventory_mod
from orion.remediate import pending
from orion.report import chart, entities, history_view, render, weekly_facts
from orion.report.prefs import Thresholds

LATEST = "weekly-latest.json"
DELIVERED = "weekly-delivered.json"
HDD_HIGH = 0.85  # recommend making room above this use
SWAP_HIGH = 0.5
RESTARTS_HIGH = 3
BACKUP_OLD_S = {"daily": 26 * 3600, "media": 8 * 86400, "check": 35 * 86400}
LIST_LIMIT = 12  # lines per list in the Telegram message


@dataclass
class Weekly:
    start: str
    end: str
    lang: str
    runs: int
    failing: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    remediations: dict[str, dict[str, int]]
    todo: list[str]
    recommendations: list[str]
    facts: weekly_facts.Facts
    days: list[str] = field(default_factory=list)
    failures_per_day: list[int] = field(default_factory=list)
    chart_png: bytes | None = None
    chart_error: str | None = None

    @property
    def headline(self) -> str:
        t = render.Words(self.lang)
        if not self.failing:
            return "✅ " + t("green")
        return "🔴 " + t("failing", n=len(self.failing))


def build_weekly(
    state: Path,
    inv: inventory_mod.Inventory | None,
    *,
    lang: str = "fr",
    thresholds: Thresholds | None = None,
    now: datetime | None = None,
    facts: weekly_facts.Facts | None = None,
) -> Weekly:
    """The week ending `now`, from the history in `state` and Prometheus (the inventory's), or `facts` given."""
    now = now or datetime.now(UTC)
    limits = thresholds or Thresholds()
    start = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    t = render.Words(lang)
    summaries = history_view.summarise(state, limits, since=start)
    rems: list[history_view.Remediation] = []
    runs = 0
    if (state / "history.sqlite").exists():
        db = history.connect(state)
        try:
            rems = history_view.remediations(db, since=start)
            runs = db.execute("SELECT count(*) FROM runs WHERE started >= ?", (start,)).fetchone()[0]
            timelines = history_view.observations(db, since=start)
        finally:
            db.close()
    else:
        timelines = {}
    facts = facts if facts is not None else weekly_facts.gather(inv, now.timestamp())
    failing = [
        {"req": s.req, "since": s.track.since, "status": s.track.status}
        for s in summaries
        if s.track.state == history_view.BAD or (s.track.alerting and s.track.status != "recovering")
    ]
    incidents = [
        {"req": i.req, "start": i.start, "fixed": i.fixed,
         "took": t.duration(i.time_to_fix_s) if i.time_to_fix_s is not None else None,
         "recovering": i.fixed is None and s.track.state == history_view.GOOD}
        for s in summaries for i in s.track.incidents
    ]  # fmt: skip
    incidents.sort(key=lambda i: i["start"])
    days = [(now - timedelta(days=6 - n)).strftime("%Y-%m-%d") for n in range(7)]
    per_day = {d: set() for d in days}
    for rid, seen in timelines.items():
        for obs in seen:
            if obs.state == history_view.BAD and obs.at[:10] in per_day:
                per_day[obs.at[:10]].add(rid)
    weekly = Weekly(
        start=start, end=end, lang=lang, runs=runs, failing=failing, incidents=incidents,
        remediations=history_view.outcomes(rems), todo=_todo(state, summaries, rems, t),
        recommendations=_recommendations(summaries, facts, t), facts=facts, days=days,
        failures_per_day=[len(per_day[d]) for d in days],
    )  # fmt: skip
    try:
        weekly.chart_png = chart.week_png(days, weekly.failures_per_day, facts.hdd_series,
                                          failures_label=t("weekly_chart_failures"), hdd_label=t("weekly_chart_hdd"),
                                          title=t("title_weekly"))  # fmt: skip
    except ImportError as exc:
        weekly.chart_error = f"matplotlib is missing: {exc}"
    return weekly


def _todo(
    state: Path, summaries: list[history_view.Summary], rems: list[history_view.Remediation], t: render.Words
) -> list[str]:
    todo = []
    failing_now = {s.req for s in summaries if s.track.state == history_view.BAD}
    for row in rems:
        if row.status == "escalated" and row.req in failing_now:
            todo.append(t("todo_escalated", req=row.req, entry=row.entry, host=row.host, reason=row.reason))
    for item in pending.all_pending(state) if (state / "pending").exists() else []:
        todo.append(t("todo_pending", entry=item.entry, host=item.host, id=item.id))
    acted = {r.req for r in rems if r.status in ("remediated", "still-failing", "pending", "escalated")}
    for s in summaries:
        if s.track.state == history_view.BAD and s.req not in acted and s.track.since:
            todo.append(t("todo_failing", req=s.req, when=render.when(s.track.since), message=""))
    return [redact.text(line.rstrip(" :")) for line in dict.fromkeys(todo)]


def _recommendations(summaries: list[history_view.Summary], facts: weekly_facts.Facts, t: render.Words) -> list[str]:
    out = [t("reco_flapping", req=s.req, turns=sum(s.track.turns)) for s in summaries if s.track.flapping]
    if facts.hdd_size and facts.hdd_used is not None:
        if facts.hdd_used / facts.hdd_size >= HDD_HIGH:
            out.append(t("reco_hdd_high", pct=round(100 * facts.hdd_used / facts.hdd_size)))
        if facts.hdd_growth and facts.hdd_growth > 0:
            days = (facts.hdd_size - facts.hdd_used) / (facts.hdd_growth / 7)
            if days < 90:
                out.append(t("reco_hdd_full", days=round(days)))
    for node, use in sorted(facts.swap_max.items()):
        if use >= SWAP_HIGH:
            out.append(t("reco_swap", pct=round(100 * use), node=node))
    for service, n in sorted((facts.restarts or {}).items()):
        if n >= RESTARTS_HIGH:
            out.append(t("reco_restarts", service=service, n=n))
    for kind, age in sorted(facts.backup_age_s.items()):
        if age > BACKUP_OLD_S.get(kind, 8 * 86400):
            out.append(t("reco_backup_old", kind=kind, ago=t.duration(age)))
    out += [t("reco_unobserved", req=s.req) for s in summaries if s.runs and s.track.state == history_view.UNKNOWN]
    return out


_UNITS = {"fr": ("o", "Ko", "Mo", "Go", "To"), "en": ("B", "KB", "MB", "GB", "TB")}


def _size(value: float | None, lang: str) -> str:
    if value is None:
        return "?"
    sign = "-" if value < 0 else ""
    value = abs(value)
    units = _UNITS[lang]
    for n, unit in enumerate(units):
        if value < 1000 or n == len(units) - 1:
            return f"{sign}{value:.0f} {unit}" if n == 0 else f"{sign}{value:.1f} {unit}"
        value /= 1000
    return "?"


def _context(weekly: Weekly, paths: dict[str, str]) -> dict[str, Any]:
    t, lang = render.Words(weekly.lang), weekly.lang
    f = weekly.facts
    metrics: list[str] = []
    if f.error:
        metrics.append(t("weekly_prometheus_down", why=f.error))
    else:
        if f.hdd_size:
            pct = round(100 * (f.hdd_used or 0) / f.hdd_size)
            growth = "?" if f.hdd_growth is None else ("+" if f.hdd_growth >= 0 else "") + _size(f.hdd_growth, lang)
            used, size = _size(f.hdd_used, weekly.lang), _size(f.hdd_size, weekly.lang)
            metrics.append(t("weekly_hdd", used=used, size=size, pct=pct, growth=growth))
        else:
            metrics.append(t("weekly_hdd_none").replace("/mnt/hdd", f.hdd_mount))
        metrics += [t("weekly_swap", pct=round(100 * use), node=node) for node, use in sorted(f.swap_max.items())]
        if f.restarts is None:
            metrics.append(t("weekly_restarts_unmeasured"))
        elif f.restarts:
            metrics.append(t("weekly_restarts", list=", ".join(f"{k} ×{n}" for k, n in f.restarts.items())))
        else:
            metrics.append(t("weekly_no_restarts"))
        if f.backup_age_s:
            metrics += [t("weekly_backup", kind=k, ago=t.duration(a)) for k, a in sorted(f.backup_age_s.items())]
        else:
            metrics.append(t("weekly_no_backup"))
    rems = [f"{entry}: " + ", ".join(f"{s} {n}" for s, n in sorted(c.items())) for entry, c in
            sorted(weekly.remediations.items())]  # fmt: skip
    return {"w": weekly, "metrics": [redact.text(m) for m in metrics], "rems": rems, "paths": paths,
            "headline": weekly.headline, "chart_uri": _data_uri(weekly.chart_png), "limit": LIST_LIMIT}  # fmt: skip


def _data_uri(png: bytes | None) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else ""


def render_all(weekly: Weekly, paths: dict[str, str]) -> tuple[str, str, str]:
    """(page HTML, plain text, Telegram message HTML)."""
    ctx = _context(weekly, paths)
    page = render.render("weekly.html.j2", "html", weekly.lang, **ctx)
    text = render.render("weekly.txt.j2", "text", weekly.lang, **ctx)
    message = render.render("weekly.msg.html.j2", "html", weekly.lang, **ctx)
    limit = LIST_LIMIT
    while entities.telegram_length(message) > entities.LIMIT and limit > 0:
        limit //= 2
        message = render.render("weekly.msg.html.j2", "html", weekly.lang, **{**ctx, "limit": limit})
    return page, text, message


def write_weekly(state: Path, weekly: Weekly) -> Path:
    """Write the week's files under <state>/reports/ and the marker MAINT-07 reads; the marker's path."""
    folder = state / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"weekly-{weekly.end[:10]}"
    paths = {"report": str(folder / f"{stem}.html"), "text": str(folder / f"{stem}.txt"),
             "message": str(folder / f"{stem}.msg.html"),
             "chart": str(folder / f"{stem}.png") if weekly.chart_png else None}  # fmt: skip
    page, text, message = render_all(weekly, {k: v for k, v in paths.items() if v})
    _atomic(Path(paths["report"]), page.encode())
    _atomic(Path(paths["text"]), text.encode())
    _atomic(Path(paths["message"]), message.encode())
    if weekly.chart_png and paths["chart"]:
        _atomic(Path(paths["chart"]), weekly.chart_png)
    marker = {"at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), **paths,
              "week": {"start": weekly.start, "end": weekly.end}}  # fmt: skip
    _atomic(folder / LATEST, (json.dumps(marker, indent=2) + "\n").encode())
    return folder / LATEST


def _atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Marker:
    """One of the weekly report's markers (produced or delivered), as MAINT-07 reads it."""

    path: Path
    at: datetime | None  # None: missing, or unreadable (`problem` says why)
    report: str | None = None
    problem: str | None = None

    def age_s(self, now: datetime) -> float | None:
        return None if self.at is None else (now - self.at).total_seconds()


def read_marker(state: Path, name: str) -> Marker:
    """<state>/reports/<name> (LATEST or DELIVERED): when, and which report."""
    path = state / "reports" / name
    if not path.exists():
        return Marker(path, None, problem="missing")
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return Marker(path, history_view.parse(str(body["at"])), str(body.get("report") or "") or None)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Marker(path, None, problem=f"unreadable: {type(exc).__name__}: {exc}")
