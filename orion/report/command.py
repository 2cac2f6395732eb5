"""`orion history` and `orion report`: what the CLI calls (orion/cli.py only parses the options)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orion import state as state_mod
from orion.remediate import runs
from orion.report import digest, history_view, page, prefs, render, view

Say = Callable[[str], None]
_SPAN = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Refused(Exception):
    """A usage error, said in one line (exit 2)."""


def since_of(value: str | None, now: datetime | None = None) -> str:
    """`7d`, `24h`, `30m`, `2w`, or a date (`2026-12-01`) or time (ISO 8601) → an ISO UTC time. Default: 7 days."""
    now = now or datetime.now(UTC)
    value = (value or "7d").strip()
    if match := _SPAN.match(value):
        start = now - timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    else:
        try:
            start = history_view.parse(value)
        except ValueError:
            raise Refused(f"--since {value!r}: expected a duration (30m, 24h, 7d, 2w) or a date (2026-12-01)") from None
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def prefs_for(inventory: Path | None, lang: str | None, say_err: Say) -> prefs.Prefs:
    found, why = prefs.load(inventory)
    if why and inventory is not None:
        say_err(f"orion: the inventory could not be read ({why}); reports use their defaults")
    if lang is not None:
        if lang not in prefs.LANGS:
            raise Refused(f"--lang {lang!r}: expected fr or en")
        found = prefs.Prefs(lang, found.thresholds)
    return found


def history(
    req: str | None, since: str | None, lang: str | None, inventory: Path | None, state: Path | None, say: Say
) -> int:
    """Print each requirement's history since `since`: where it stands, its incidents and time to fix, what
    remediation did, and its escalations."""
    where = state_mod.locate(state)
    chosen = prefs_for(inventory, lang, lambda m: print(m, file=sys.stderr))
    start = since_of(since)
    t = render.Words(chosen.lang)
    summaries = history_view.summarise(where, chosen.thresholds, req=req, since=start)
    if not summaries:
        say(t("history_none", path=where / "history.sqlite"))
        return 0
    limits = chosen.thresholds
    say(t("history_header", since=render.when(start), alert=limits.alert_after, resolve=limits.resolve_after))
    for s in summaries:
        track = s.track
        status = t(f"history_status_{track.status}")
        flags = f" ({t('flapping')})" if track.flapping else ""
        say(f"{s.req}: {status}{flags} · {t('history_runs', n=s.runs, bad=s.bad_runs)}")
        details = []
        if track.incidents:
            details.append(t("history_incidents", n=len(track.incidents)))
        if s.median_fix_s is not None:
            details.append(t("history_fix", median=t.duration(s.median_fix_s)))
        if track.alerting and track.since:
            details.append(t("history_open", when=render.when(track.since)))
        if s.remediation:
            counts = ", ".join(f"{status} {n}" for status, n in sorted(s.remediation.items()))
            details.append(t("history_remediations", counts=counts))
        if details:
            say("  " + " · ".join(details))
        for row in s.escalations:
            say("  " + t("history_escalation", when=render.when(row.when), reason=row.reason))
    return 0


def report(
    run: str,
    lang: str | None,
    fmt: str,
    inventory: Path | None,
    state: Path | None,
    say: Say,
    say_err: Say,
) -> int:
    """Print a run's digest (text, Telegram HTML, or the whole run in Markdown) and write its HTML page."""
    if fmt not in render.FORMATS:
        raise Refused(f"--format {fmt!r}: expected text, html or md")
    where = state_mod.locate(state)
    try:
        body = runs.load(where, run)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    if body is None:
        raise Refused(f"no run record {runs.path_of(where, run)}: run `orion check` first")
    inv = inventory or (Path(body["inventory"]) if body.get("inventory") else None)
    chosen = prefs_for(inv if inv is None or inv.exists() else None, lang, say_err)
    path = page.write(where, body, lang=chosen.lang, thresholds=chosen.thresholds)
    say_err(f"orion: report page {path}")
    if fmt == "md":
        run_view = view.build(where, body, chosen.thresholds, chosen.lang)
        say(render.render("digest.md.j2", "text", chosen.lang, run=run_view, items=list(run_view.items), hidden=0,
                          where="", headline=digest.headline_of(run_view, chosen.lang)).rstrip("\n"))  # fmt: skip
        return 0
    made = digest.build_digest(where, body, lang=chosen.lang, report_path=str(path), thresholds=chosen.thresholds)
    say((made.telegram_html if fmt == "html" else made.text).rstrip("\n"))
    return 0


def weekly(lang: str | None, fmt: str, inventory: Path | None, state: Path | None, say: Say, say_err: Say) -> int:
    """Build the week's report (history + Prometheus), write it under <state>/reports/ with its marker, print it."""
    from orion import inventory as inventory_mod
    from orion.errors import ConfigError
    from orion.report import weekly as weekly_mod

    if fmt not in render.FORMATS:
        raise Refused(f"--format {fmt!r}: expected text, html or md")
    where = state_mod.state_dir(state)
    chosen = prefs_for(inventory, lang, say_err)
    try:
        inv = inventory_mod.load(inventory)
    except ConfigError as exc:
        say_err(f"orion: the inventory could not be read ({exc}): the report goes without Prometheus")
        inv = None
    week = weekly_mod.build_weekly(where, inv, lang=chosen.lang, thresholds=chosen.thresholds)
    marker = weekly_mod.write_weekly(where, week)
    files = json.loads(marker.read_text(encoding="utf-8"))
    say_err(f"orion: weekly report {files['report']} (chart {files.get('chart') or 'none'}); marker {marker}")
    if week.chart_error:
        say_err(f"orion: no chart: {week.chart_error}")
    shown = files["message"] if fmt == "html" else files["text"]
    say(Path(shown).read_text(encoding="utf-8").rstrip("\n"))
    return 0


def refresh_page(state: Path | None, say_err: Say) -> None:
    """Write the latest run's HTML page again (after remediation rewrote its record); a failure is said, no more."""
    where = state_mod.locate(state)
    try:
        body = runs.load(where, "latest")
        if body is not None:
            found = prefs.load(body["inventory"])[0] if body.get("inventory") else prefs.Prefs()
            page.write(where, body, lang=found.lang, thresholds=found.thresholds)
    except Exception as exc:  # the run's result stands whatever happens to its page
        say_err(f"orion: cannot write the run's HTML page: {type(exc).__name__}: {exc}")
