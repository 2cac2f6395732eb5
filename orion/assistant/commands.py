"""The bot's commands as text, independent of Telegram: /status, /report, /check, /why, /approve, /help.

/check and /approve run `orion check` and `orion remediate --approve` as child processes: each takes Orion's run
lock itself (orion/remediate/lock.py), exactly as on the terminal, so the bot never runs checks or remediations
beside a timer's run. Selections are validated (a domain of the catalogue or a requirement ID) before anything
runs: text from a chat never reaches a command line as it is."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

from orion import catalogue as catalogue_mod
from orion import redact
from orion.assistant import ask
from orion.assistant.answer import Answer
from orion.assistant.tools import Context, checks
from orion.assistant.tools.base import SourceDown
from orion.remediate import pending

REQ_ID = re.compile(r"^[A-Z]+-\d{2}$")
ACTION_ID = re.compile(r"^p-[0-9a-f]{8}$")
CHECK_TIMEOUT_S = 900
APPROVE_TIMEOUT_S = 600

HELP = {
    "fr": ["Orion, l'astreinte du homelab. Commandes :", "/status – le dernier run",
           "/report – le résumé du dernier run",
           "/check [domaine|REQ-ID] – vérifier maintenant (sans argument : les critiques)",
           "/why REQ-ID – preuves, historique, premier échec, remédiations", "/approve ID – approuver une remédiation",
           "/lang fr|en – langue des réponses", "/help – cette aide", ""],
    "en": ["Orion, the homelab's on-call. Commands:", "/status – the latest run", "/report – the latest run's digest",
           "/check [domain|REQ-ID] – check now (no argument: the critical ones)",
           "/why REQ-ID – evidence, history, first failure, remediations", "/approve ID – approve a remediation",
           "/lang fr|en – language of the answers", "/help – this help", ""],
}  # fmt: skip


def help_text(lang: str) -> str:
    return "\n".join(HELP[lang] + ask.HELP[lang])


def status(ctx: Context, lang: str) -> str:
    return ask.status(ctx, lang).text()


def report(ctx: Context, lang: str) -> str:
    try:
        body = checks.latest_run(ctx.state).data
    except SourceDown as exc:
        return exc.reason
    try:
        from orion.report.digest import build_digest
    except ImportError:  # the digest module is optional: /status says the essentials
        return status(ctx, lang)
    return build_digest(ctx.state, body, lang=lang).text


def selection(arg: str | None) -> list[str] | str:
    """`orion check` arguments for /check's argument, or an error text."""
    if not arg:
        return ["-m", "critical"]
    word = arg.strip()
    if REQ_ID.match(word.upper()):
        req = word.upper()
        return ["--req", req] if req in catalogue_mod.load() else f"{req}: no such requirement"
    domains = {d.value: d for d in catalogue_mod.Domain} | {d.name.lower(): d for d in catalogue_mod.Domain}
    domain = domains.get(word.lower())
    if domain is None:
        return f"{word!r}: expected a domain ({', '.join(d.value for d in catalogue_mod.Domain)}) or a REQ-ID"
    ids = [r.id for r in catalogue_mod.load() if r.domain == domain and r.status == "active"]
    return [a for req in ids for a in ("--req", req)]


def run_check(ctx: Context, arg: str | None, lang: str) -> str:
    chosen = selection(arg)
    if isinstance(chosen, str):
        return chosen
    argv = [sys.executable, "-m", "orion.cli", "check", f"--inventory={ctx.inv.path}", f"--state-dir={ctx.state}",
            *chosen]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return "La vérification a dépassé 15 min." if lang == "fr" else "The check run took over 15 min."
    if done.returncode == 2:
        return redact.text(_tail(done.stderr or done.stdout))
    return status(ctx, lang)


def approve(ctx: Context, action_id: str, lang: str) -> str:
    action_id = action_id.strip()
    if not ACTION_ID.match(action_id) or pending.get(ctx.state, action_id) is None:
        waiting = ", ".join(p.id for p in pending.all_pending(ctx.state)) or "-"
        return (f"Aucune action {action_id!r} en attente (en attente : {waiting})." if lang == "fr"
                else f"No pending action {action_id!r} (waiting: {waiting}).")  # fmt: skip
    argv = [sys.executable, "-m", "orion.cli", "remediate", f"--approve={action_id}", f"--inventory={ctx.inv.path}",
            f"--state-dir={ctx.state}"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=APPROVE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return "La remédiation a dépassé 10 min." if lang == "fr" else "The remediation took over 10 min."
    verdict = {0: ("remédié", "remediated"), 1: ("toujours en échec", "still failing")}.get(
        done.returncode, ("refusé", "refused"))  # fmt: skip
    head = f"{action_id} : {verdict[0]}" if lang == "fr" else f"{action_id}: {verdict[1]}"
    return redact.text(f"{head}\n{_tail(done.stdout + done.stderr)}")


def why(ctx: Context, req: str, lang: str) -> str:
    fr = lang == "fr"
    req = req.strip().upper()
    if not REQ_ID.match(req):
        return "Usage : /why REQ-ID (ex. MEDIA-01)" if fr else "Usage: /why REQ-ID (e.g. MEDIA-01)"
    ans = Answer(lang, "why")
    try:
        latest = checks.latest_run(ctx.state)
        mine = [c for c in latest.data.get("checks", []) if req in c.get("req", [])]
        ans.add(f"{req} {'dans le run' if fr else 'in run'} {latest.data.get('run_id')} :" if fr
                else f"{req} in run {latest.data.get('run_id')}:")  # fmt: skip
        for c in mine:
            ans.add(f"• {c['outcome']} {c['nodeid'].split('::')[-1]}" + (f" ({c['host']})" if c.get("host") else ""))
            for line in _evidence(c.get("evidence") or {}, fr):
                ans.add(f"  {line}")
        if not mine:
            ans.add("• aucune vérification dans ce run" if fr else "• no check in this run")
        ans.cite(f"{latest.source} {req}")
    except SourceDown as exc:
        ans.down.append(exc.reason)
    hist = checks.requirement(ctx.state, req)
    runs: dict[str, str] = {}
    for row in hist.data:
        worst = runs.get(row["run_id"])
        runs[row["run_id"]] = row["outcome"] if worst in (None, "passed", "skipped") else worst
    ordered = sorted(runs.items())
    first_failed = None
    for rid, outcome in reversed(ordered):
        if outcome in ("failed", "error"):
            first_failed = rid
        else:
            break
    if ordered:
        ans.add("")
        ans.add((f"Historique ({len(ordered)} derniers runs) : " if fr else f"History (last {len(ordered)} runs): ")
                + " ".join(_mark(o) for _, o in ordered))  # fmt: skip
        if first_failed:
            ans.add(f"{'Premier échec de la série' if fr else 'First failure of the streak'} : {first_failed}" if fr
                    else f"First failure of the streak: {first_failed}")  # fmt: skip
        ans.cite(hist.source)
    rem = checks.remediations(ctx.state, req=req)
    if rem.data:
        ans.add("")
        ans.add("Remédiations :" if fr else "Remediations:")
        for e in rem.data[-5:]:
            where = f"{'sur' if fr else 'on'} {e.get('host', '?')}"
            ans.add(f"• {str(e.get('at', ''))[:16]} {e.get('entry', '?')} {where}: "
                    f"{e.get('status', '?')}" + (f" – {str(e['reason'])[:80]}" if e.get("reason") else ""))  # fmt: skip
        ans.cite(rem.source)
    return ans.text()


def _evidence(ev: dict[str, Any], fr: bool) -> list[str]:
    lines = []
    for key, fr_key in (("observed", "observé"), ("expected", "attendu"), ("source", "source")):
        if key in ev:
            lines.append(f"{fr_key if fr else key}: {str(ev[key])[:200]}")
    return lines


def _mark(outcome: str) -> str:
    return {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "⏭"}.get(outcome, "?")


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
