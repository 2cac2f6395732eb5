"""What `orion check --remediate` and `orion remediate` do, behind the run lock; cli.py only parses options."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from orion import catalogue as catalogue_mod
from orion import inventory as inventory_mod
from orion.errors import ConfigError
from orion.remediate import catalog, flow, lock, pending, runs
from orion.state import state_dir

EXIT_CONFIG = 2
Say = Callable[[str], None]


class Refused(Exception):
    """A clear one-line reason to exit 2: bad configuration, the lock held by another run, no such run."""


def _context(
    state: Path, inventory_path: Path | None, catalog_dir: Path | None, dry_run: bool, say: Say
) -> flow.Context:
    try:
        return flow.Context(
            state=state,
            inventory=inventory_mod.load(inventory_path),
            catalog=catalog.load(catalog_dir),
            requirements=catalogue_mod.load(),
            dry_run=dry_run,
            say=say,
        )
    except ConfigError as exc:
        raise Refused(str(exc)) from None


def check(
    run_checks: Callable[[], int],
    *,
    inventory_path: Path | None,
    state: Path | None,
    remediate: bool,
    catalog_dir: Path | None,
    say: Say,
) -> int:
    """Run the checks under the lock; with `remediate`, act on the run's failures and return the final code."""
    where = state_dir(state)
    ctx = _context(where, inventory_path, catalog_dir, False, say) if remediate else None
    try:
        with lock.hold(where, "orion check" + (" --remediate" if remediate else "")):
            before = (runs.load(where) or {}).get("run_id")
            code = run_checks()
            if ctx is None or code == EXIT_CONFIG:
                return code
            body = runs.load(where)
            if body is None or body.get("run_id") == before:
                return code  # nothing ran, so nothing was written
            if not any(c["outcome"] == "failed" for c in body["checks"]):
                return code
            return flow.remediate(ctx, body)
    except lock.Busy as exc:
        raise Refused(str(exc)) from None


def remediate(
    *,
    run: str,
    approve: str | None,
    dry_run: bool,
    inventory_path: Path | None,
    state: Path | None,
    catalog_dir: Path | None,
    say: Say,
) -> int:
    where = state_dir(state)
    ctx = _context(where, inventory_path, catalog_dir, dry_run, say)
    try:
        with lock.hold(where, "orion remediate") if not dry_run else nullcontext():
            if approve:
                try:
                    return flow.approve(ctx, approve)
                except LookupError as exc:
                    raise Refused(str(exc)) from None
            try:
                body = runs.load(where, run)
            except ValueError as exc:
                raise Refused(str(exc)) from None
            if body is None:
                raise Refused(f"no run record {runs.path_of(where, run)}: run `orion check` first")
            if not any(c["outcome"] == "failed" for c in body["checks"]):
                say(f"orion: run {body['run_id']} has no failed check: nothing to remediate")
                return flow.exit_code(body)
            return flow.remediate(ctx, body)
    except lock.Busy as exc:
        raise Refused(str(exc)) from None


def list_pending(state: Path | None, say: Say) -> int:
    items = pending.all_pending(state_dir(state))
    for item in items:
        say(f"{item.id}  {item.entry} on {item.host}  since {item.created}  ({len(item.checks)} check(s))")
    if not items:
        say("orion: no action waits for approval")
    return 0
