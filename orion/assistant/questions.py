"""The seed's four questions, answered from real data by the named tools, without a model:

- night: what ran between 22:00 and 07:00 (jobs in Loki, backups in Prometheus, check runs and remediations in
  Orion's history and audit log), with outcomes;
- swap: a node's memory and swap (synapse, the Pi 2, unless the question names the Pi 1), with its top consumers;
- disk: the HDD's largest folders with sizes and growth;
- media: recently added items not yet watched on Jellyfin.

A source that does not answer is said as such in the answer ("Loki ne répond pas : …"); the rest still comes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from orion.assistant import fmt
from orion.assistant.answer import Answer
from orion.assistant.tools import Context, checks, logs, media, metrics
from orion.assistant.tools.base import Result, SourceDown

NIGHT_START, NIGHT_END = 22, 7
NODES = {"synapse": "synapse (Pi 2)", "cortex": "cortex (Pi 1)"}


def _try(ans: Answer, what: Callable[[], Result]) -> Result | None:
    try:
        res = what()
    except SourceDown as exc:
        ans.down.append(f"{exc.source} : {exc.reason}" if ans.lang == "fr" else f"{exc.source}: {exc.reason}")
        return None
    ans.cite(res.source)
    return res


def night_window(now: datetime) -> tuple[datetime, datetime]:
    """The last night: 22:00 the day before to 07:00 (or now, when asked before 07:00)."""
    today7 = now.replace(hour=NIGHT_END, minute=0, second=0, microsecond=0)
    end = min(now, today7) if now.hour < NIGHT_START else today7
    start = (end - timedelta(days=1) if end.hour >= NIGHT_END or end == today7 else end).replace(
        hour=NIGHT_START, minute=0, second=0, microsecond=0)  # fmt: skip
    if start >= end:
        start -= timedelta(days=1)
    return start, end


def night(ctx: Context, lang: str) -> Answer:
    fr = lang == "fr"
    ans = Answer(lang, "night")
    start, end = night_window(ctx.now)
    ans.add(f"{'Cette nuit' if fr else 'Last night'} ({fmt.day_hm(start)} → {fmt.day_hm(end)}) :"
            if fr else f"Last night ({fmt.day_hm(start)} → {fmt.day_hm(end)}):")  # fmt: skip
    jobs = _try(ans, lambda: logs.jobs(ctx.inv, start, end))
    if jobs is not None:
        ans.add("")
        ans.add("Tâches (journaux Loki) :" if fr else "Jobs (Loki logs):")
        for j in jobs.data:
            outcome = (f"{j['errors']} ligne(s) d'erreur" if fr else f"{j['errors']} error line(s)") if j["errors"] \
                else "ok"  # fmt: skip
            ans.add(f"• {j['job']} {fmt.hm(j['first'])}–{fmt.hm(j['last'])}, {j['lines']} "
                    f"{'lignes' if fr else 'lines'}, {outcome}")  # fmt: skip
            ans.add(f"  {'dernière ligne' if fr else 'last line'} : « {j['last_line']} »" if fr
                    else f"  last line: \"{j['last_line']}\"")  # fmt: skip
        if not jobs.data:
            ans.add("• aucune tâche n'a écrit dans les journaux" if fr else "• no job wrote to the logs")
    backups = _try(ans, lambda: metrics.backups(ctx.inv))
    if backups is not None:
        ans.add("")
        ans.add("Sauvegardes (Prometheus) :" if fr else "Backups (Prometheus):")
        for b in backups.data:
            last = ctx.now - timedelta(seconds=b["age_s"])
            tonight = start <= last <= end
            code = "" if b["exit"] is None else f", {'code de sortie' if fr else 'exit'} {b['exit']:.0f}"
            flag = ("cette nuit" if fr else "tonight") if tonight else ("pas cette nuit" if fr else "not tonight")
            ans.add(f"• {b['kind']} : dernier succès {fmt.ago(b['age_s'], lang)} ({fmt.day_hm(last)}, {flag}){code}"
                    if fr else f"• {b['kind']}: last success {fmt.ago(b['age_s'], lang)} ({fmt.day_hm(last)}, "
                    f"{flag}){code}")  # fmt: skip
        if not backups.data:
            ans.add("• aucune métrique de sauvegarde (orion_backup_*)" if fr else "• no backup metric (orion_backup_*)")
    runs = _try(ans, lambda: checks.runs_between(ctx.state, start, end))
    if runs is not None:
        failed = [r for r in runs.data if r["failed"] or r["error"]]
        ans.add("")
        ans.add(f"{'Vérifications Orion' if fr else 'Orion check runs'}{_c(fr)} {len(runs.data)} run(s), "
                f"{len(failed)} {'avec des échecs' if fr else 'with failures'}")  # fmt: skip
    rem = _try(ans, lambda: checks.remediations(ctx.state, start, end))
    if rem is not None:
        ans.add(f"{'Remédiations' if fr else 'Remediations'}{_c(fr)} {len(rem.data)}")
        for e in rem.data[-8:]:
            where = f"{'sur' if fr else 'on'} {e.get('host', '?')}"
            ans.add(f"• {e.get('entry', '?')} ({e.get('req', '?')}) {where}{_c(fr)} "
                    f"{e.get('status', '?')}{' – ' + str(e['reason'])[:80] if e.get('reason') else ''}")  # fmt: skip
    return ans


def swap(ctx: Context, lang: str, node: str = "synapse") -> Answer:
    fr = lang == "fr"
    ans = Answer(lang, "swap")
    res = _try(ans, lambda: metrics.memory(ctx.inv, node))
    if res is None:
        ans.lines.insert(0, f"{'Mémoire de' if fr else 'Memory of'} {NODES[node]}{_c(fr)} "
                         f"{'impossible à lire' if fr else 'cannot be read'}.")  # fmt: skip
        return ans
    m: dict[str, Any] = res.data
    total, avail = m["mem_total"], m["mem_available"]
    swap_total, swap_free = m["swap_total"], m["swap_free"]
    used = None if total is None or avail is None else total - avail
    swap_used = None if swap_total is None or swap_free is None else swap_total - swap_free
    ans.add(f"{'Mémoire de' if fr else 'Memory of'} {NODES[node]} :" if fr else f"Memory of {NODES[node]}:")
    ans.add(
        f"• RAM{_c(fr)} {fmt.size(used, lang)} {'utilisés sur' if fr else 'used of'} {fmt.size(total, lang)} "
        f"({fmt.pct(used, total, lang)}), {fmt.size(avail, lang)} {'disponibles' if fr else 'available'}"
    )
    if swap_total:
        ans.add(f"• swap{_c(fr)} {fmt.size(swap_used, lang)} {'utilisés sur' if fr else 'used of'} "
                f"{fmt.size(swap_total, lang)} ({fmt.pct(swap_used, swap_total, lang)})")  # fmt: skip
    else:
        ans.add("• swap : aucun (0 o configuré)" if fr else "• swap: none (0 B configured)")
    sin, sout = m["swap_in_rate"], m["swap_out_rate"]
    if sin is not None and sout is not None:
        ans.add(f"• {'activité de swap (15 min)' if fr else 'swap activity (15 min)'}{_c(fr)} {fmt.num(sin, lang)} "
                f"{'pages/s entrées' if fr else 'pages/s in'}, "
                f"{fmt.num(sout, lang)} {'pages/s sorties' if fr else 'pages/s out'}")  # fmt: skip
    ans.add("")
    ans.add(_why_swap(fr, total, avail, swap_total, swap_used, sout))
    shown = False
    for key, title_fr, title_en in (("top_containers_memory", "Conteneurs (mémoire)", "Containers (memory)"),
                                    ("top_containers_swap", "Conteneurs (swap)", "Containers (swap)"),
                                    ("top_processes_memory", "Processus (mémoire résidente)", "Processes (resident)"),
                                    ("top_processes_swap", "Processus (swap)", "Processes (swap)")):  # fmt: skip
        if m[key]:
            shown = True
            ans.add("")
            ans.add(f"{title_fr if fr else title_en}{_c(fr)}")
            for row in m[key]:
                ans.add(f"• {row['name']} : {fmt.size(row['bytes'], lang)}" if fr
                        else f"• {row['name']}: {fmt.size(row['bytes'], lang)}")  # fmt: skip
    if not shown:
        ans.add("")
        ans.add(
            "Plus gros consommateurs : aucune métrique par conteneur (cAdvisor) ni par processus dans Prometheus."
            if fr
            else "Top consumers: no per-container (cAdvisor) or per-process metric in Prometheus."
        )
    return ans


def _c(fr: bool) -> str:
    """A colon as each language writes it."""
    return " :" if fr else ":"


def _why_swap(fr: bool, total: float | None, avail: float | None, swap_total: float | None,
              swap_used: float | None, swap_out: float | None) -> str:  # fmt: skip
    if not swap_total:
        return "Pas de swap configuré sur ce nœud." if fr else "No swap is configured on this node."
    if not swap_used:
        return "Le swap n'est pas utilisé en ce moment." if fr else "Swap is not in use right now."
    low = total is not None and avail is not None and avail < 0.15 * total
    busy = (swap_out or 0) > 1.0
    if low or busy:
        return (
            "Pression mémoire : la RAM disponible est basse et le noyau déplace des pages vers le swap."
            if fr
            else "Memory pressure: available RAM is low and the kernel is moving pages to swap."
        )
    return ("Swap utilisé mais sans pression actuelle : des pages peu utilisées ont été déplacées plus tôt et la "
            "RAM disponible suffit." if fr else "Swap is used but there is no pressure now: rarely used pages were "
            "moved earlier and available RAM is enough.")  # fmt: skip


def disk(ctx: Context, lang: str) -> Answer:
    fr = lang == "fr"
    ans = Answer(lang, "disk")
    res = _try(ans, lambda: metrics.hdd(ctx.inv))
    if res is None:
        ans.lines.insert(0, "Occupation du HDD : impossible à lire." if fr else "HDD usage: cannot be read.")
        return ans
    d = res.data
    used = None if d["size"] is None or d["avail"] is None else d["size"] - d["avail"]
    ans.add(
        f"HDD{_c(fr)} {fmt.size(used, lang)} {'utilisés sur' if fr else 'used of'} {fmt.size(d['size'], lang)} "
        f"({fmt.pct(used, d['size'], lang)}), {fmt.size(d['avail'], lang)} {'libres' if fr else 'free'}"
    )
    if not d["folders"]:
        ans.add("")
        ans.add("Aucune taille par dossier dans Prometheus (orion_hdd_folder_bytes : le minuteur orion-hdd-usage "
                "n'a pas encore tourné)." if fr else "No per-folder size in Prometheus (orion_hdd_folder_bytes: the "
                "orion-hdd-usage timer has not run yet).")  # fmt: skip
        return ans
    for key, title_fr, title_en in (("folders", "Plus gros dossiers", "Largest folders"),
                                    ("subfolders", "Plus gros sous-dossiers", "Largest subfolders")):  # fmt: skip
        if not d[key]:
            continue
        ans.add("")
        ans.add(f"{title_fr} (croissance sur 24 h / 7 j) :" if fr else f"{title_en} (growth over 24h / 7d):")
        for f in d[key]:
            ans.add(f"• {f['path']}{_c(fr)} {fmt.size(f['bytes'], lang)} ({fmt.growth(f['growth_1d'], lang)} / "
                    f"{fmt.growth(f['growth_7d'], lang)})")  # fmt: skip
    if all(f["growth_7d"] is None for f in d["folders"] + d["subfolders"]):
        ans.add("(? : pas encore d'historique sur cette durée)" if fr else "(?: no history over that span yet)")
    if d.get("measured_s") is not None:
        ans.add(f"{'Tailles mesurées' if fr else 'Sizes measured'} {fmt.ago(d['measured_s'], lang)}.")
    return ans


def media_tonight(ctx: Context, lang: str) -> Answer:
    fr = lang == "fr"
    ans = Answer(lang, "media")
    res = _try(ans, lambda: media.unwatched(ctx.inv))
    if res is None:
        ans.lines.insert(0, "Le serveur média ne répond pas." if fr else "The media server does not answer.")
        return ans
    if not res.data:
        ans.add("Rien de nouveau à regarder : aucun ajout récent non vu." if fr
                else "Nothing new to watch: no recently added unwatched item.")  # fmt: skip
        return ans
    ans.add("À regarder ce soir (ajouts récents, pas encore vus) :" if fr
            else "To watch tonight (recently added, not watched yet):")  # fmt: skip
    for item in res.data:
        extra = ", ".join(x for x in (str(item["year"] or ""), f"{item['minutes']} min" if item["minutes"] else "",
                                      (f"ajouté le {item['added'][:10]}" if fr else f"added {item['added'][:10]}")
                                      if item["added"] else "") if x)  # fmt: skip
        ans.add(f"• {item['title']}" + (f" ({extra})" if extra else ""))
    return ans
