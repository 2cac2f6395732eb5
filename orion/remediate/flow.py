"""Remediate the failures of one run: decide per entry and host, run the scripts, re-check, fill in the record.

Safety rules (remediations/README.md): only `failed` checks (never `error` or `skipped`) and only live ones (a
static check's fix is a change to the repository); only executables of the catalogue; budgets, cooldowns and
back-off from the history DB; every decision in the audit log; `--dry-run` prints and changes nothing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orion import PROJECT_ROOT, redact
from orion import catalogue as catalogue_mod
from orion.inventory import Host, Inventory
from orion.remediate import audit, pending, policy, process, recheck, runs
from orion.remediate.catalog import Catalog, Entry, Mode

EXIT_OK, EXIT_FAILED, EXIT_UNOBSERVED = 0, 1, 3
#: Pause between two re-check rounds of entries that have a `settle` time.
SETTLE_ROUND_S = 5.0
Say = Callable[[str], None]


def new_action_id() -> str:
    return "r-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


@dataclass
class Action:
    """One entry acting on one host, for some failed checks."""

    entry: Entry
    host: Host
    checks: list[dict[str, Any]] = field(default_factory=list)
    id: str = field(default_factory=lambda: new_action_id())
    attempts: int = 0
    status: str = "skipped"
    reason: str = ""
    result: process.Outcome | None = None
    approved: bool = False  # a person approved this `confirm` action


@dataclass
class Context:
    state: Path
    inventory: Inventory
    catalog: Catalog
    requirements: catalogue_mod.Catalogue | None = None
    dry_run: bool = False
    say: Say = print


def remediate(ctx: Context, body: dict[str, Any]) -> int:
    """Act on the failed checks of the run record `body`, rewrite it, and return Orion's exit code."""
    todo = [c for c in body["checks"] if c["outcome"] == "failed" and _open(c)]
    actions = _plan(ctx, todo)
    db = policy.connect(ctx.state)
    try:
        allowed = [a for a in actions if _decide(ctx, db, body.get("run_id"), a)]
        _run_all(ctx, batches(allowed))
        attempted = [a for a in actions if a.result is not None]
        if attempted:
            _recheck(ctx, db, attempted)
    finally:
        db.close()
    _fill(todo, actions)
    if not ctx.dry_run:
        path = runs.save(ctx.state, body)
        ctx.say(f"orion: run record {path}")
    return exit_code(body)


def approve(ctx: Context, action_id: str) -> int:
    """Run a pending `confirm` action a person approved, re-check its checks and update its run record."""
    item = pending.get(ctx.state, action_id)
    if item is None:
        raise LookupError(f"no pending action {action_id!r} (see {ctx.state / 'pending'})")
    if item.entry not in ctx.catalog or item.host not in ctx.inventory.hosts:
        raise LookupError(f"pending action {action_id}: entry {item.entry} or host {item.host} no longer exists")
    body = runs.load(ctx.state, item.run_id) if item.run_id else None
    checks = [c for c in (body or {}).get("checks", []) if c["nodeid"] in item.checks]
    checks = checks or [{"nodeid": n, "req": [ctx.catalog[item.entry].req], "host": item.host} for n in item.checks]
    action = Action(ctx.catalog[item.entry], ctx.inventory.hosts[item.host], checks, id=item.id)
    db = policy.connect(ctx.state)
    try:
        action.attempts = policy.decide(db, action.entry, item.host).attempts + 1
        action.approved = True
        _run(ctx, [action], _env(ctx, [action]))
        _recheck(ctx, db, [action])
    finally:
        db.close()
    pending.remove(ctx.state, item.id)
    _fill(checks, [action])
    if body is not None:
        ctx.say(f"orion: run record {runs.save(ctx.state, body)}")
    return EXIT_OK if action.status == "remediated" else EXIT_FAILED


def exit_code(body: dict[str, Any]) -> int:
    """0 when every failure was remediated, 1 when failures remain, 3 when nothing failed but some errored."""
    checks = body["checks"]
    if any(c["outcome"] == "failed" and (c.get("remediation") or {}).get("status") != "remediated" for c in checks):
        return EXIT_FAILED
    if any(c["outcome"] == "error" for c in checks):
        return EXIT_UNOBSERVED
    return EXIT_OK


def _open(check: dict[str, Any]) -> bool:
    return (check.get("remediation") or {}).get("status") != "remediated"


# --- planning -----------------------------------------------------------------------------------------


def _plan(ctx: Context, failed: list[dict[str, Any]]) -> list[Action]:
    """Group the failed checks into actions, in the catalogue's order; note why the others get none."""
    by_entry: dict[str, list[dict[str, Any]]] = {}
    for check in failed:
        entry = ctx.catalog.for_check(check["nodeid"], check["req"])
        if check.get("kind") == "static":
            check["remediation"] = _skipped(entry, "static check: the fix is a change to the repository")
        elif entry is None:
            check["remediation"] = _skipped(None, _no_entry(ctx, check))
        else:
            by_entry.setdefault(entry.id, []).append(check)
    actions: list[Action] = []
    for entry in ctx.catalog:
        checks = by_entry.get(entry.id, [])
        if not checks:
            continue
        per_host: dict[str, Action] = {}
        for check in checks:
            for host in _targets(ctx, entry, check, checks):
                per_host.setdefault(host.name, Action(entry, host)).checks.append(check)
        actions += per_host.values()
    return actions


def _no_entry(ctx: Context, check: dict[str, Any]) -> str:
    for req_id in check["req"]:
        req = ctx.requirements[req_id] if ctx.requirements and req_id in ctx.requirements else None
        never = getattr(req, "remediation_never", None)
        if never:
            return f"never: {never}"
    return "no remediation in the catalogue for this check"


def _targets(ctx: Context, entry: Entry, check: dict[str, Any], siblings: list[dict[str, Any]]) -> list[Host]:
    """The hosts an entry acts on for one failed check.

    `node: check` takes the check's host; a check with no host of its own (one that asks Prometheus about every
    node) takes the hosts of its failed siblings, else every host of its requirement's nodes.
    """
    hosts = ctx.inventory.hosts
    if entry.target is not None and entry.target.node != "check":
        return ctx.inventory.on(entry.target.node)
    if check.get("host") in hosts:
        return [hosts[check["host"]]]
    named = [hosts[c["host"]] for c in siblings if c.get("host") in hosts]
    if named:
        return list({h.name: h for h in named}.values())
    nodes = ctx.requirements[entry.req].nodes if ctx.requirements and entry.req in ctx.requirements else ("both",)
    return list({h.name: h for n in nodes for h in ctx.inventory.on(n)}.values())


# --- deciding and running --------------------------------------------------------------------------


def _decide(ctx: Context, db: Any, run_id: str | None, action: Action) -> bool:
    """Whether `action` runs now; otherwise why not, in the action and the audit log."""
    entry, host = action.entry, action.host.name
    decision = policy.decide(db, entry, host)
    action.attempts = decision.attempts
    event = {"action": action.id, "run_id": run_id, "entry": entry.id, "req": entry.req, "host": host,
             "mode": entry.mode.value, "checks": [c["nodeid"] for c in action.checks]}  # fmt: skip
    if not decision.allowed:
        action.reason = decision.reason
        if decision.escalate and not ctx.dry_run:
            policy.record(db, action.id, run_id, entry, host, "escalated", decision.reason)
            audit.write(ctx.state, {**event, "status": "escalated", "reason": decision.reason})
            ctx.say(f"orion: {entry.id} on {host}: {decision.reason}")
        elif not ctx.dry_run:
            audit.write(ctx.state, {**event, "status": "skipped", "reason": decision.reason})
        return False
    if missing := _missing_secrets(ctx, action):
        action.reason = f"the inventory has no secret {', '.join(missing)}"
        if not ctx.dry_run:
            audit.write(ctx.state, {**event, "status": "skipped", "reason": action.reason})
        return False
    argv = [str(ctx.catalog.executable(entry)), *entry.args]
    if ctx.dry_run:
        action.reason = f"dry-run: would run {' '.join(argv)} on {host} (timeout {entry.timeout:g} s)"
        ctx.say(f"orion: {entry.id}: {action.reason}")
        return False
    if entry.mode is Mode.CONFIRM:
        item = pending.add(ctx.state, entry.id, host, run_id, [c["nodeid"] for c in action.checks])
        action.reason = f"confirm: waiting for a person: orion remediate --approve {item.id}"
        audit.write(ctx.state, {**event, "action": item.id, "status": "pending", "reason": entry.reason})
        ctx.say(f"orion: {entry.id} on {host}: {entry.summary}; {action.reason}")
        return False
    action.attempts += 1
    return True


def batches(actions: list[Action]) -> list[list[Action]]:
    """The calls to make, in order: one per action, except that actions of `batch` entries running the same
    executable on the same host share one call, at the place of the first (one Ansible run for every role that
    drifted on a host, instead of one per role, each gathering facts again)."""
    out: list[list[Action]] = []
    for action in actions:
        entry = action.entry
        same = next((b for b in out if entry.batch and b[0].entry.batch and b[0].entry.run == entry.run
                     and b[0].entry.target == entry.target and b[0].host.name == action.host.name), None)  # fmt: skip
        if same is None:
            out.append([action])
        else:
            same.append(action)
    return out


def _run_all(ctx: Context, calls: list[list[Action]]) -> None:
    """Make the calls: a host's one after another, in the catalogue's order (TORR-02's failing-closed stop comes
    before anything else on its node); different hosts' side by side, as they act on different machines."""
    per_host: dict[str, list[tuple[list[Action], dict[str, str]]]] = {}
    for batch in calls:  # each env here, not in a thread: building it registers secrets for redaction
        per_host.setdefault(batch[0].host.name, []).append((batch, _env(ctx, batch)))

    def host_calls(mine: list[tuple[list[Action], dict[str, str]]]) -> None:
        for batch, env in mine:
            _run(ctx, batch, env)

    with ThreadPoolExecutor(max_workers=max(1, len(per_host))) as pool:
        list(pool.map(host_calls, per_host.values()))


def _run(ctx: Context, batch: list[Action], env: dict[str, str]) -> None:
    """One call for the actions of `batch` (one, unless their entries are `batch`): their args joined, the
    longest of their timeouts; its result stands for each."""
    first = batch[0]
    args = list(dict.fromkeys(arg for a in batch for arg in a.entry.args))
    argv = [str(ctx.catalog.executable(first.entry)), *args]
    ids = ", ".join(a.entry.id for a in batch)
    host = first.host.name
    ctx.say(f"orion: {ids} on {host}: {'; '.join(a.entry.summary for a in batch)} ({' '.join(argv)})")
    timeout = max(a.entry.timeout for a in batch)
    result = process.run(argv, env, timeout, ctx.catalog.directory)
    lines = result.output_tail.splitlines()[-5:]
    how = "killed at its timeout" if result.timed_out else f"exit {result.exit_code}"
    ctx.say("\n".join([f"orion: {ids} on {host}: {how} after {result.duration_s:.0f} s",
                       *(f"  [{host}] {line}" for line in lines)]))  # fmt: skip
    for action in batch:
        action.result = result


def _recheck(ctx: Context, db: Any, attempted: list[Action]) -> None:
    """Run the failed checks of the attempted actions again; an entry with a `settle` time gets further rounds
    until its checks are green or that time is up (Prometheus scrapes every 30 s: a node exporter started again
    shows as up at the next scrape, not at once)."""
    start = time.monotonic()
    results: dict[str, tuple[str, str]] = {}
    waiting = list(attempted)
    while waiting:
        nodeids = list(dict.fromkeys(c["nodeid"] for a in waiting for c in a.checks))
        ctx.say(f"orion: checking again: {len(nodeids)} check(s)")
        results |= recheck.run(nodeids, ctx.inventory.path, ctx.state)
        elapsed = time.monotonic() - start
        waiting = [a for a in waiting if not _green(a, results) and elapsed + SETTLE_ROUND_S <= a.entry.settle]
        if waiting:
            time.sleep(SETTLE_ROUND_S)
    for action in attempted:
        assert action.result is not None
        after = [results[c["nodeid"]] for c in action.checks]
        green = _green(action, results)
        action.status = "remediated" if green else "still-failing"
        how = "killed at its timeout" if action.result.timed_out else f"exit {action.result.exit_code}"
        red = next(((o, m) for o, m in after if o != "passed"), None)
        action.reason = f"{how}; green again" if red is None else f"{how}; still {red[0]}: {red[1]}"
        for check in action.checks:
            check["_recheck"] = results[check["nodeid"]]
        policy.record(db, action.id, None, action.entry, action.host.name, action.status, action.reason,
                      action.result.exit_code, action.result.duration_s)  # fmt: skip
        audit.write(ctx.state, {
            "action": action.id, "entry": action.entry.id, "req": action.entry.req, "host": action.host.name,
            "mode": action.entry.mode.value, "approved": action.approved,
            "checks": [c["nodeid"] for c in action.checks], "status": action.status, "reason": action.reason,
            "exit_code": action.result.exit_code, "timed_out": action.result.timed_out,
            "duration_s": action.result.duration_s, "output_tail": action.result.output_tail,
        })  # fmt: skip
        ctx.say(f"orion: {action.entry.id} on {action.host.name}: {action.status} ({action.reason})")


def _green(action: Action, results: dict[str, tuple[str, str]]) -> bool:
    return all(results[c["nodeid"]][0] == "passed" for c in action.checks)


def _missing_secrets(ctx: Context, action: Action) -> list[str]:
    return [name for name in action.entry.secrets if _secret(ctx, action.host, name) is None]


def _secret(ctx: Context, host: Host, name: str) -> str | None:
    service, key = name.split(".", 1)
    candidates = [host, *ctx.inventory.hosts.values()]
    for h in candidates:
        if service in h.services and (secret := getattr(h.services[service], key, None)) is not None:
            return str(secret.reveal())
    return None


def _env(ctx: Context, batch: list[Action]) -> dict[str, str]:
    """The script's whole environment: a PATH, the target, its connection details, and its named secrets (of
    every action of the batch, which share an executable, a target and a host)."""
    first = batch[0]
    host, entry = first.host, first.entry
    holds = ctx.state / "holds"
    holds.mkdir(exist_ok=True)
    env = {
        **process.base_env(),
        "ORION_ACTION": ",".join(a.id for a in batch),
        "ORION_ENTRY": ",".join(a.entry.id for a in batch),
        "ORION_REQ": ",".join(dict.fromkeys(a.entry.req for a in batch)),
        "ORION_CHECK": "\n".join(dict.fromkeys(c["nodeid"] for a in batch for c in a.checks)),
        "ORION_HOST": host.name,
        "ORION_NODE": host.node,
        "ORION_INVENTORY": str(ctx.inventory.path),
        "ORION_PROJECT_ROOT": str(PROJECT_ROOT),
        "ORION_HOLDS": str(holds),
    }
    assert entry.target is not None
    if entry.target.via == "docker" and host.docker is not None:
        env |= {"DOCKER_HOST": host.docker.host, "ORION_DOCKER_PROJECT": host.docker.project}
    if entry.target.via == "ssh":
        env |= {"ORION_SSH_ADDRESS": host.address, "ORION_SSH_PORT": str(host.port), "ORION_SSH_USER": host.user,
                "ORION_SSH_CHECK_HOST_KEY": "yes" if host.check_host_key else "no",
                "ORION_KNOWN_HOSTS": str(ctx.state / "known_hosts")}  # fmt: skip
        if host.key_file is not None:
            env["ORION_SSH_KEY"] = str(host.key_file)
    for name in dict.fromkeys(n for a in batch for n in a.entry.secrets):
        value = _secret(ctx, host, name)
        if value is not None:
            redact.register(value)
            env["ORION_SECRET_" + name.replace(".", "_").replace("-", "_").upper()] = value
    return env


# --- the record ---------------------------------------------------------------------------------------


def _fill(checks: list[dict[str, Any]], actions: list[Action]) -> None:
    """checks[].remediation: what happened to each failed check, from the actions that covered it."""
    for check in checks:
        mine = [a for a in actions if any(c is check for c in a.checks)]
        if not mine:
            continue
        ran = [a for a in mine if a.result is not None]
        chosen = ran or mine
        status = "still-failing" if any(a.status == "still-failing" for a in ran) else chosen[0].status
        if not ran:
            status = "skipped"
        tails = "\n".join(f"[{a.host.name}] {a.result.output_tail}" for a in ran if a.result and a.result.output_tail)
        check["remediation"] = {
            "id": chosen[0].entry.id,
            "status": status,
            "attempts": max(a.attempts for a in chosen),
            "reason": "; ".join(dict.fromkeys(f"{a.host.name}: {a.reason}" for a in chosen if a.reason)),
            "action": ", ".join(a.id for a in chosen),
            "output_tail": process.tail(tails) if tails else "",
        }
        if "_recheck" in check:
            outcome, message = check.pop("_recheck")
            check["remediation"]["recheck"] = {"outcome": outcome, "message": redact.text(message)}


def _skipped(entry: Entry | None, reason: str) -> dict[str, Any]:
    return {"id": entry.id if entry else None, "status": "skipped", "attempts": 0, "reason": reason,
            "output_tail": ""}  # fmt: skip
