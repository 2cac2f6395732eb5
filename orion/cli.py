"""`orion`: the command line. Exit codes: 0 all passed, 1 failures remain, 2 usage or configuration error,
3 nothing failed but some checks could not run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer

from orion import PROJECT_ROOT, catalogue, inventory, matrix, tree
from orion.errors import ConfigError

EXIT_CONFIG = 2
CHECKS = PROJECT_ROOT / "checks"
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}

app = typer.Typer(
    help="Orion: the conformance suite of the Orion homelab.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

InventoryOpt = Annotated[
    Path | None, typer.Option("--inventory", "-i", help="Inventory file (default: $ORION_INVENTORY, "
                              "/etc/orion/inventory.yml, lab/inventory.yml).")]  # fmt: skip
StateOpt = Annotated[Path | None, typer.Option("--state-dir", help="State directory (run records, history).")]
RemediateOpt = Annotated[bool, typer.Option("--remediate", help="Act on the failures (remediations/catalog.yml), "
                         "then check them again.")]  # fmt: skip
RemediationsOpt = Annotated[Path | None, typer.Option("--remediations", help="Directory of catalog.yml and its "
                            "executables (default: $ORION_REMEDIATIONS, else remediations/).")]  # fmt: skip
RepoOpt = Annotated[Path | None, typer.Option("--repo", help="The checkout to judge (default: the one of the current "
                                              "directory, else Orion's own tree).")]  # fmt: skip
NotifyOpt = Annotated[bool, typer.Option("--notify", help="Send the digest to the inventory's Telegram chats when "
                      "something changed (and the daily summary); drain the outbox.")]  # fmt: skip
UnitFailedOpt = Annotated[str | None, typer.Option("--unit-failed", help="say that this systemd unit failed "
                          "(OnFailure= of the timers' services)")]  # fmt: skip
ResendOpt = Annotated[str | None, typer.Option("--resend", help="send again a message that may not have arrived "
                      "(its delivery ID, d-…)")]  # fmt: skip
WeeklyNotifyOpt = Annotated[bool, typer.Option("--weekly", help="send the report `orion report --weekly` wrote last, "
                            "with its chart (once)")]  # fmt: skip


def fail(message: str, code: int = EXIT_CONFIG) -> typer.Exit:
    typer.echo(f"orion: {message}", err=True)
    return typer.Exit(code)


#: Plugins loaded on demand: autoloading every installed plugin would cost more than a critical run itself.
ON_DEMAND = {"-n": "xdist.plugin", "--numprocesses": "xdist.plugin", "--dist": "xdist.plugin",
             "--alluredir": "allure_pytest.plugin", "--hypothesis": "_hypothesis_pytestplugin"}  # fmt: skip


def _pytest(args: list[str]) -> int:
    """Run the checks in-process; map pytest's own statuses onto Orion's exit codes."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    plugins = {"orion.plugin"} | {p for a in args for flag, p in ON_DEMAND.items() if a.startswith(flag)}
    loads = [arg for plugin in sorted(plugins) for arg in ("-p", plugin)]
    watch = _InternalError()
    code = int(pytest.main([f"--rootdir={PROJECT_ROOT}", "-p", "no:cacheprovider", *loads, *args], plugins=[watch]))
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        # An empty selection (a weekly timer before any weekly check exists) is nothing to do, not a usage error.
        typer.echo("orion: no check matches this selection: nothing ran, no run record written", err=True)
        return 0
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERRUPTED) or watch.seen:
        return EXIT_CONFIG
    return code  # 3 is Orion's "could not observe" here: pytest's own internal error is caught above


class _InternalError:
    """pytest's exit 3 means an internal error; Orion's 3 means checks could not observe. Tell them apart."""

    seen = False

    def pytest_internalerror(self) -> None:
        self.seen = True


@app.command(context_settings=PASSTHROUGH)
def check(
    ctx: typer.Context,
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
    remediate: RemediateOpt = False,
    remediations: RemediationsOpt = None,
    notify: NotifyOpt = False,
) -> None:
    """Run the checks against the homelab and write a run record. Extra arguments go to pytest
    (e.g. `-m critical`, `-k ssh`, `-n 2`, `--junitxml=out.xml`). Without `-m`, every non-disruptive check runs.
    One Orion run at a time: a second one waits ($ORION_LOCK_WAIT s, default 120), then exits 2.
    Every run updates Orion's Prometheus textfile (orion/report/metrics.py)."""
    path = inventory.resolve_path(inventory_path)
    try:
        inventory.load(path)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    args = [str(CHECKS), f"--inventory={path}", "-q", "--tb=line", *ctx.args]
    if state_dir:
        args.append(f"--state-dir={state_dir}")
    if not any(a == "-m" or a.startswith("-m") for a in ctx.args):
        args += ["-m", "not disruptive"]
    from orion.remediate import command
    from orion.report import notify_command

    before = notify_command.latest_run_id(state_dir)
    try:
        code = command.check(lambda: _pytest(args), inventory_path=path, state=state_dir, remediate=remediate,
                             catalog_dir=remediations, say=typer.echo)  # fmt: skip
    except command.Refused as exc:
        raise fail(str(exc)) from None
    if remediate:  # the record changed after the run wrote its page: write the page again
        from orion.report.command import refresh_page

        refresh_page(state_dir, _err)
    if code != EXIT_CONFIG:
        after = notify_command.after_check(path, state_dir, before, notify_=notify, say=_err)
        code = after if after is not None else code
    raise typer.Exit(code)


def _err(line: str) -> None:
    typer.echo(line, err=True)


@app.command("notify")
def notify_cmd(
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
    drain: Annotated[bool, typer.Option("--drain", help="send what waits in the outbox (every form does)")] = False,
    test: Annotated[bool, typer.Option("--test", help="send a test message to every allowed chat")] = False,
    unit_failed: UnitFailedOpt = None,
    resend: ResendOpt = None,
    status: Annotated[bool, typer.Option("--status", help="list what waits in the outbox; send nothing")] = False,
    weekly: WeeklyNotifyOpt = False,
) -> None:
    """Telegram: drain the outbox (<state>/outbox/), send a test message or the weekly report, or say that a unit
    failed.
    Exit 0 nothing waits, 1 messages wait or may not have arrived, 2 configuration."""
    from orion.report import notify_command

    code = notify_command.command(inventory_path=inventory_path, state=state_dir, drain=drain, test=test,
                                  unit_failed=unit_failed, resend=resend, status=status, say=typer.echo,
                                  weekly=weekly)  # fmt: skip
    raise typer.Exit(code)


@app.command("remediate")
def remediate_cmd(
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
    remediations: RemediationsOpt = None,
    run: Annotated[str, typer.Option("--run", help="the run record to act on: latest or a run ID")] = "latest",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print what would run; change nothing")] = False,
    approve: Annotated[str | None, typer.Option("--approve", help="run the pending action ID (mode confirm)")] = None,
    list_pending: Annotated[bool, typer.Option("--pending", help="list the actions waiting for approval")] = False,
) -> None:
    """Act on the failed checks of a run record (remediations/catalog.yml), check them again, update the record.
    Exit 0 when every failure was remediated, 1 when failures remain."""
    from orion.remediate import command

    if list_pending:
        raise typer.Exit(command.list_pending(state_dir, typer.echo))
    try:
        code = command.remediate(run=run, approve=approve, dry_run=dry_run, inventory_path=inventory_path,
                                 state=state_dir, catalog_dir=remediations, say=typer.echo)  # fmt: skip
    except command.Refused as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def gate(
    node: Annotated[str | None, typer.Argument(help="cortex or synapse (default: both)")] = None,
    state_dir: StateOpt = None,
    repo: RepoOpt = None,
) -> None:
    """Run the static checks of the checkout's stacks/ and provisioning/, with no inventory and no network.
    Exit 0 or 1. The first line names the tree judged."""
    if node not in (None, "cortex", "synapse"):
        raise fail(f"unknown node {node!r}: expected cortex or synapse")
    subject = _subject(repo)
    typer.echo(f"orion gate: judging {subject.describe()}")
    args = [str(CHECKS), f"--orion-repo={subject.root}", "-m", "static", "--orion-offline", "-q", "--tb=line"]
    if node:
        args.append(f"--orion-node={node}")
    if state_dir:
        args.append(f"--state-dir={state_dir}")
    code = _pytest(args)
    raise typer.Exit(0 if code == 0 else EXIT_CONFIG if code == EXIT_CONFIG else 1)


@app.command()
def apply(
    node: Annotated[str, typer.Argument(help="cortex or synapse")],
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
    force: Annotated[bool, typer.Option("--force", help="apply even when the gate fails, and say so")] = False,
    repo: RepoOpt = None,
) -> None:
    """Gate NODE's stack, `docker compose up -d` it on NODE's engine (from the inventory), then run its live checks."""
    if node not in ("cortex", "synapse"):
        raise fail(f"unknown node {node!r}: expected cortex or synapse")
    try:
        hosts = [h for h in inventory.load(inventory_path).on(node) if h.docker is not None]
    except ConfigError as exc:
        raise fail(str(exc)) from None
    if not hosts:
        raise fail(f"the inventory gives no orion_docker endpoint for a {node} host")
    subject = _subject(repo)
    stack = subject.stacks / node
    env_file = stack / ".env"
    if not env_file.exists():
        raise fail(f"{env_file} is missing: copy {stack / '.env.example'} and fill it in")
    gate_args = [sys.executable, "-m", "orion.cli", "gate", node, f"--repo={subject.root}",
                 *([f"--state-dir={state_dir}"] if state_dir else [])]  # fmt: skip
    if subprocess.run(gate_args, check=False).returncode != 0:
        if not force:
            raise fail(f"the gate failed for {node}: refusing to apply (fix the violations above, or use --force)", 1)
        typer.echo(f"orion: the gate failed for {node}; applying anyway because of --force", err=True)
    for host in hosts:
        assert host.docker is not None
        typer.echo(f"orion: docker compose up -d on {host.name} ({host.docker.host}, project {host.docker.project})")
        compose = ["docker", "compose", "--env-file", str(env_file), "-f", str(stack / "compose.yml"),
                   "-p", host.docker.project, "up", "-d", "--remove-orphans"]  # fmt: skip
        if subprocess.run(compose, env={**os.environ, "DOCKER_HOST": host.docker.host}, check=False).returncode:
            raise fail(f"docker compose up failed on {host.name}", 1)
    args = [str(CHECKS), f"--inventory={inventory.resolve_path(inventory_path)}", f"--orion-node={node}",
            f"--orion-repo={subject.root}", "-m", "live and not disruptive", "-q", "--tb=line"]  # fmt: skip
    if state_dir:
        args.append(f"--state-dir={state_dir}")
    raise typer.Exit(_pytest(args))


def _subject(repo: Path | None) -> tree.Tree:
    """The tree to judge (orion.tree); a --repo that is not a checkout is a usage error."""
    try:
        return tree.find(repo)
    except ConfigError as exc:
        raise fail(str(exc)) from None


@app.command("matrix")
def matrix_cmd(
    fmt: Annotated[str, typer.Option("--format", help="md or json")] = "md",
) -> None:
    """For each requirement: its checks, kinds, proof level, remediation and lab faults."""
    if fmt not in ("md", "json"):
        raise fail(f"unknown format {fmt!r}: expected md or json")
    try:
        rows = matrix.collect(catalogue.load())
    except (ConfigError, RuntimeError) as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(matrix.as_json(rows) if fmt == "json" else matrix.as_markdown(rows))


@app.command("inventory")
def inventory_cmd(
    inventory_path: InventoryOpt = None,
    host: Annotated[str | None, typer.Option("--host", help="only this host's variables")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or yaml")] = "json",
) -> None:
    """Each host's variables as Orion merges them (Ansible's precedence, group_vars/ and host_vars/ included), in
    the shape of `ansible-inventory --list`. Secrets show as their {env:}/{file:} references, never their values."""
    from orion import inventory_view

    if fmt not in inventory_view.FORMATS:
        raise fail(f"unknown format {fmt!r}: expected json or yaml")
    try:
        inv = inventory.load(inventory_path)
        data = inventory_view.host_vars(inv, host) if host else inventory_view.listing(inv)
    except (ConfigError, LookupError) as exc:
        raise fail(str(exc).strip("'\"")) from None
    sys.stdout.write(inventory_view.render(data, fmt))


LangOpt = Annotated[str | None, typer.Option("--lang", help="fr or en (default: the inventory's orion_lang, else fr)")]


@app.command("history")
def history_cmd(
    req: Annotated[str | None, typer.Argument(help="one requirement ID (default: every requirement)")] = None,
    since: Annotated[str | None, typer.Option("--since", help="30m, 24h, 7d, 2w or a date (default: 7d)")] = None,
    lang: LangOpt = None,
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Each requirement's history: failing (new, still, since when), recovered, flapping, time to fix,
    remediation outcomes and escalations."""
    from orion.report import command

    try:
        raise typer.Exit(command.history(req, since, lang, inventory_path, state_dir, typer.echo))
    except command.Refused as exc:
        raise fail(str(exc)) from None


@app.command("report")
def report_cmd(
    run: Annotated[str, typer.Option("--run", help="the run record: latest or a run ID")] = "latest",
    lang: LangOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text, html (Telegram's) or md (every item)")] = "text",
    weekly: Annotated[bool, typer.Option("--weekly", help="the weekly report (MAINT-07) instead of a run's")] = False,
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Print a run's digest and write its HTML page next to the run record (<state>/runs/<id>.html); with
    --weekly, write the week's report and chart under <state>/reports/ and print its summary."""
    from orion.report import command

    try:
        if weekly:
            raise typer.Exit(command.weekly(lang, fmt, inventory_path, state_dir, typer.echo, _err))
        raise typer.Exit(command.report(run, lang, fmt, inventory_path, state_dir, typer.echo, _err))
    except command.Refused as exc:
        raise fail(str(exc)) from None


@app.command("serve")
def serve_cmd(
    listen: Annotated[str, typer.Option("--listen", help="HOST:PORT to listen on")] = "127.0.0.1:8089",
    allow: Annotated[
        list[str] | None,
        typer.Option("--allow", help="address or network let in (repeatable; default: loopback)"),
    ] = None,
    lang: LangOpt = None,
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Serve Orion's status page (the latest run, the matrix, the history) to the allowed addresses only: Caddy,
    which puts it behind Authelia. Runs until stopped."""
    from orion import state
    from orion.report import command, serve

    try:
        address, networks = serve.parse_listen(listen), serve.parse_allow(allow or [])
        chosen = command.prefs_for(inventory_path, lang, _err)
    except (serve.Refused, command.Refused) as exc:
        raise fail(str(exc)) from None
    where = state.locate(state_dir)
    try:
        server = serve.make_server(address, networks, where, chosen.lang, chosen.thresholds)
    except OSError as exc:
        raise fail(f"cannot listen on {listen}: {exc.strerror or exc}") from None
    _err(f"orion serve: http://{listen}/ for {', '.join(map(str, networks))}; state {where}")
    # In a container it is PID 1, where SIGTERM has no default action: `docker stop` would wait for SIGKILL
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="a question, in French or English")],
    lang: LangOpt = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="never ask the model")] = False,
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Ask Orion, as on Telegram: the common questions are answered from Prometheus, Loki, the checks and the apps
    (with their sources); open ones go to the local model with read-only tools. Exit 0 answered, 1 not."""
    from orion.assistant import ask

    try:
        reply = ask.answer(question, ask.context(inventory_path, state_dir), lang=lang, use_llm=not no_llm)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    typer.echo(reply.text)
    raise typer.Exit(0 if reply.intent else 1)


@app.command("bot")
def bot_cmd(
    inventory_path: InventoryOpt = None,
    state_dir: StateOpt = None,
) -> None:
    """Orion's Telegram bot (long polling): answers the allowlisted chats of `orion_telegram` only, with /status,
    /report, /check, /why, /approve, /help and free questions. Runs until stopped."""
    from orion.assistant import bot

    try:
        bot.run(inventory_path, state_dir)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def _mount_lab() -> None:
    """`orion lab`; when it cannot be imported, a `lab` command that says why, instead of no command at all."""
    try:
        from orion.lab.cli import app as lab_app
    except ImportError as exc:
        reason = f"{type(exc).__name__}: {exc}"

        @app.command("lab", context_settings=PASSTHROUGH, help=f"(unavailable: {reason})")
        def lab_unavailable(ctx: typer.Context) -> None:
            raise fail(f"orion lab is unavailable: {reason}")

        return
    app.add_typer(lab_app, name="lab", help="The lab: the homelab's stacks on real daemons in local Docker.")


_mount_lab()


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"orion: {exc}", err=True)
        sys.exit(EXIT_CONFIG)


if __name__ == "__main__":
    main()
