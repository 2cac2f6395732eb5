"""What the CLI runs after `orion check` (metrics always, Telegram with --notify), and `orion notify`.

Exit codes of `orion notify`: 0 nothing waits; 1 messages wait for the next run, or one may not have arrived
(uncertain), or Telegram refused one; 2 configuration (no `orion_telegram`, a bad inventory, the token refused).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orion import catalogue
from orion import inventory as inventory_mod
from orion.errors import ConfigError
from orion.remediate import runs
from orion.report import metrics, notify, telegram
from orion.report.outbox import QUEUE, REJECTED, UNCERTAIN, Drained, Outbox
from orion.state import state_dir

EXIT_OK, EXIT_WAITING, EXIT_CONFIG = 0, 1, 2
Say = Callable[[str], None]


def latest_run_id(state: Path | None) -> str | None:
    return (runs.load(state_dir(state)) or {}).get("run_id")


def after_check(inventory_path: Path | None, state: Path | None, before: str | None, *, notify_: bool,
                say: Say) -> int | None:  # fmt: skip
    """Metrics for the run just written (if one was), then with `notify_` the Telegram digest and the outbox.
    Returns 2 when the inventory's `orion_telegram` is wrong or its token refused, else None (the checks' code
    stands; an inventory without `orion_telegram` turns notifications off, and says so)."""
    where = state_dir(state)
    body = runs.load(where)
    try:
        inv = inventory_mod.load(inventory_path)
    except ConfigError as exc:
        say(f"orion: {exc}")
        return EXIT_CONFIG
    if body is not None and body.get("run_id") != before:
        _metrics(where, body, inv, say)
    if not notify_:
        return None
    try:
        chan = telegram.channel(inv)
    except telegram.NotConfigured as exc:
        say(f"orion: --notify: {exc}")  # off by choice (an inventory without Telegram): the run's code stands
        return None
    except ConfigError as exc:
        say(f"orion: --notify: {exc}")
        return EXIT_CONFIG
    try:
        done = notify.after_check(where, chan, say=say, narrate=_narrator(inv))
    except Exception as exc:  # a report bug must not hide the run's result: say it, the outbox keeps the rest
        say(f"orion: --notify failed: {type(exc).__name__}: {telegram.Sender(chan).clean(str(exc))}")
        return EXIT_CONFIG
    return EXIT_CONFIG if done.unauthorized else None


def _narrator(inv: inventory_mod.Inventory) -> notify.Narrate | None:
    """The LLM narrative that follows a digest, when the inventory has an Ollama service (else none is sent)."""
    from orion.report import narrative

    if inv.service(narrative.SERVICE) is None:
        return None
    return lambda state, body, *, lang: narrative.narrate(state, body, inventory=inv, lang=lang)


def _metrics(state: Path, body: dict, inv: inventory_mod.Inventory, say: Say) -> None:
    try:
        cadences = {r.id: r.cadence.value for r in catalogue.load()}
    except ConfigError:
        cadences = {}
    try:
        written = metrics.update(state, body, metrics.textfile_dir(inv), requirements=cadences)
    except OSError as exc:
        say(f"orion: cannot write the metrics: {exc}")
        return
    if written.path is not None:
        say(f"orion: metrics {written.path}")


def command(*, inventory_path: Path | None, state: Path | None, drain: bool, test: bool, unit_failed: str | None,
            resend: str | None, status: bool, say: Say, weekly: bool = False) -> int:  # fmt: skip
    """`orion notify`: see cli.py for the options."""
    where = state_dir(state)
    if status:
        return _status(Outbox(where), say)
    try:
        chan = notify.channel(inventory_path)
    except (ConfigError, telegram.NotConfigured) as exc:
        say(f"orion: {exc}")
        return EXIT_CONFIG
    if unit_failed is not None:
        try:
            text = notify.unit_failed_text(unit_failed, chan.lang)
        except ValueError as exc:
            say(f"orion: --unit-failed: {exc}")
            return EXIT_CONFIG
        notify.queue_text(where, chan, text, kind="unit-failed", headline=f"{unit_failed} failed")
    if weekly:
        try:
            queued = notify.queue_latest_weekly(where, chan)
        except LookupError as exc:
            say(f"orion: --weekly: {exc}")
            return EXIT_CONFIG
        if not queued:
            say("orion: the latest weekly report was queued already")
    if test:
        notify.queue_text(where, chan, notify.test_text(chan.lang), kind="test", headline="test")
    if resend is not None:
        try:
            Outbox(where).resend(resend)
        except LookupError as exc:
            say(f"orion: --resend: {exc}")
            return EXIT_CONFIG
    del drain  # every form of `orion notify` drains: --drain alone does only that
    done = notify.drain(where, chan, say=say)
    return _code(done)


def _code(done: Drained) -> int:
    if done.unauthorized:
        return EXIT_CONFIG
    return EXIT_OK if done.ok else EXIT_WAITING


def _status(box: Outbox, say: Say) -> int:
    waiting = 0
    for where in (QUEUE, UNCERTAIN, REJECTED):
        for message in box.listing(where):
            waiting += 1
            error = f" ({message.last_error})" if message.last_error else ""
            say(f"{where:9} {message.id}  {message.kind:11} chat {message.chat}  {message.created}  "
                f"{message.headline}{error}")  # fmt: skip
    if not waiting:
        say(f"orion: the outbox ({box.root}) is empty: every message was delivered")
    return EXIT_OK if not waiting else EXIT_WAITING
