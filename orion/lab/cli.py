"""``orion lab up|down|status|faults|fault NAME|heal NAME``: the typer sub-app the main CLI mounts."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from orion import state
from orion.lab import credentials, deploy, engine, faults, guard, hdd, images, lan, owner, render, status
from orion.lab import provision as provisioning
from orion.lab.errors import LabError
from orion.lab.paths import lab_state

app = typer.Typer(help="The lab: the homelab's stacks on real daemons in local Docker.", no_args_is_help=True)
console = Console(highlight=False)


def _step(label: str, action: Callable[[], str | None]) -> float:
    """Run one step under a spinner; print its outcome and duration. Returns the duration."""
    start = time.monotonic()
    with console.status(f"{label}…"):
        detail = action()
    took = time.monotonic() - start
    console.print(f"[green]✓[/] {label} [dim]({took:.1f} s)[/]" + (f": {detail}" if detail else ""))
    return took


def _fail(exc: LabError) -> None:
    console.print(f"[red]orion lab: error:[/] {exc}")
    raise typer.Exit(1)


def _images() -> str:
    lines = images.ensure_images(progress=lambda line: console.print(f"  [dim]{line}[/]"))
    built = sum(1 for line in lines if line.endswith("built"))
    return f"{len(lines)} images, {built} built"


def _credentials() -> str:
    credentials.ensure_secrets()
    key = credentials.ssh_key()
    credentials.ensure_wireguard()
    return f"ssh key {key}, secrets in {credentials.secrets_dir()}"


def _render() -> str:
    files = [render.write_env(p.name) for p in deploy.PROJECTS if p.env_file]
    files.append(render.write_caddyfile())
    files.append(render.write_alertmanager())
    files.append(render.write_inventory())
    return ", ".join(f.name for f in files)


@app.command()
def up() -> None:
    """Build what is missing, deploy orion-lab, cortex and synapse, and wait until all are healthy."""
    start = time.monotonic()
    try:
        _step("Docker engine", engine.ensure_engine)
        _step("state dir", lambda: owner.ensure_ours("up"))
        _step("compose v2", engine.ensure_compose)
        _step("images", _images)
        _step("keys and secrets", _credentials)
        _step("cortex HDD", _hdd)
        _step("rendered files", _render)
        for project in deploy.PROJECTS:
            if not project.available:
                console.print(f"[yellow]![/] {project.name}: skipped, missing {', '.join(project.missing())}")
                continue
            _step(f"deploy {project.name}", lambda p=project: deploy.up(p))
            if project.name == "orion-lab":
                _step("LAN addresses", lan.ensure_addresses)
        _step("provision the hosts (provisioning/site.yml)", _provision_once)
    except LabError as exc:
        _fail(exc)
    console.print(f"[bold]lab up[/] in {time.monotonic() - start:.1f} s")


def _hdd() -> str:
    """Mount cortex's HDD; when this mounts it under running containers (dockerd brought them back after a
    reboot, before the lab could mount it), restart them so that they see the disk, not the folder beneath."""
    fresh = not hdd.is_mounted(hdd.mountpoint("cortex"))
    target = hdd.ensure_mounted("cortex")
    restarted = deploy.restart_users_of(hdd.mount_root()) if fresh else []
    return f"ext4 image mounted at {target}" + (f"; restarted {', '.join(restarted)} onto it" if restarted else "")


def _provision_once() -> str:
    """`up` provisions hosts it has not provisioned yet with this provisioning/ since they last started (the hosts
    have no systemd: ufw's rules and fail2ban live only as long as the container); `orion lab provision` always
    runs."""
    stamp = lab_state() / "provisioned.json"
    current = provisioning.fingerprint() + status.hosts_started()
    if stamp.exists() and stamp.read_text() == current:
        return "already provisioned with this provisioning/ (`orion lab provision` applies it again)"
    detail = _provision()
    stamp.write_text(current)
    return detail


def _provision(check: bool = False) -> str:
    owner.ensure_ours("provision")
    result = provisioning.provision(state.lab_inventory(), check=check)
    if not result.ok:
        failed = "; ".join(result.failed_tasks[:3])
        raise LabError(f"provisioning failed: {result.summary()}" + (f": {failed}" if failed else ""))
    return result.summary()


@app.command()
def provision(
    check: bool = typer.Option(False, "--check", help="dry run: ansible-playbook --check --diff"),
) -> None:
    """Apply provisioning/site.yml to the lab's hosts over SSH and print the count of changed tasks."""
    try:
        _step("provision the hosts (provisioning/site.yml)", lambda: _provision(check))
    except LabError as exc:
        _fail(exc)


@app.command()
def down(
    purge: bool = typer.Option(False, "--purge", help="also delete <state>/lab: keys, secrets, logs (a throwaway lab)"),
) -> None:
    """Remove the lab's containers, networks, volumes, mounts, firewall rules, rendered files; stop dockerd if up did.

    Images are kept, so the next ``up`` is fast. Keys and secrets stay in the state dir, unless ``--purge``.
    """
    start = time.monotonic()
    try:
        _step("state dir", lambda: owner.ensure_ours("down"))
        if engine.engine_up():
            for project in reversed(deploy.PROJECTS):
                _step(f"remove {project.name}", lambda p=project: deploy.down(p))
            left = {kind: ids for kind, ids in deploy.leftovers().items() if ids}
            if left:
                raise LabError(f"lab objects left after down: {left}")
        _step("egress guard", lambda: f"{guard.remove_guard()} rules removed")
        _step("HDD mounts", lambda: ", ".join(hdd.unmount_all()) or "none mounted")
        _step("lab data", _remove_data)
        _step("Docker engine", engine.stop_engine)
        if purge:
            _step("purge", _purge)
    except LabError as exc:
        _fail(exc)
    console.print(f"[bold]lab down[/] in {time.monotonic() - start:.1f} s")


def _remove_data() -> str:
    """Delete the data the lab's services and faults wrote (appdata, textfiles, HDD images, the seeded backup
    sources, what faults kept aside) and the files it rendered (env files, Caddyfile, Alertmanager copy,
    inventory)."""
    removed = []
    for name in ("appdata", "textfile", "hdd", "render", "mnt", "backup", "faults"):
        path = lab_state() / name
        if path.exists():
            if name == "mnt" and any(hdd.is_mounted(p) for p in [path, *path.glob("*/hdd")]):
                raise LabError(f"{path} still has mounts: not deleting it")
            shutil.rmtree(path)
            removed.append(name)
    rendered = [lab_state() / p.env_file for p in deploy.PROJECTS if p.env_file] + [state.lab_inventory()]
    for path in rendered:
        if path.exists():
            path.unlink()
            removed.append(path.name)
    return ", ".join(removed) or "nothing to remove"


def _purge() -> str:
    """Delete ``<state>/lab`` as a whole, once down has left no mount in it."""
    lab = lab_state()
    mounted = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    if any(m == str(lab) or m.startswith(f"{lab}/") for m in mounted):
        raise LabError(f"{lab} still has mounts: not deleting it")
    shutil.rmtree(lab)
    return f"{lab} deleted"


@app.command("inventory")
def show_inventory() -> None:
    """Print the path of the lab's inventory, <state>/lab/inventory.yml (rendered by up)."""
    path = state.lab_inventory()
    typer.echo(str(path))
    if not path.exists():
        typer.echo(f"orion lab: error: {path} is not rendered yet: run `orion lab up`", err=True)
        raise typer.Exit(1)


@app.command("status")
def show_status() -> None:
    """Show the state dir, each host and each lab service."""
    try:
        console.print(f"state dir: {owner.ensure_ours('status')}")
    except LabError as exc:
        console.print(f"[yellow]![/] {exc}")
    hosts = Table(title="Hosts")
    for col in ("host", "ssh (127.0.0.1)", "HDD"):
        hosts.add_column(col)
    for h in status.hosts():
        hosts.add_row(h.name, h.ssh, h.hdd)
    console.print(hosts)
    services = status.services()
    if not services:
        console.print("no lab containers (engine down or lab not deployed)")
        return
    table = Table(title="Services")
    for col in ("project", "service", "container", "state", "health", "ports"):
        table.add_column(col)
    colors = {"healthy": "green", "unhealthy": "red", "starting": "yellow"}
    for s in services:
        color = colors.get(s.health, "green" if s.state == "running" else "red")
        table.add_row(s.project, s.service, s.container, s.state, f"[{color}]{s.health}[/]", s.ports)
    console.print(table)


@app.command("faults")
def list_faults() -> None:
    """List the faults in lab/faults/."""
    table = Table(title="Lab faults")
    for col in ("fault", "requirement", "what it breaks"):
        table.add_column(col)
    for f in faults.list_faults():
        table.add_row(f.name, f.req, f.summary)
    console.print(table)


def _apply(name: str, action: str) -> None:
    try:
        owner.ensure_ours("fault" if action == "break" else "heal")
        fault, output = faults.apply(name, action)
    except LabError as exc:
        _fail(exc)
        return
    console.print(f"[green]✓[/] {fault.name} {action}" + (f"\n{output}" if output else ""))


@app.command()
def fault(name: str = typer.Argument(..., help="fault name, e.g. SEC-01.password-auth")) -> None:
    """Break one thing the way it breaks in real life."""
    _apply(name, "break")


@app.command()
def heal(name: str = typer.Argument(..., help="fault name, e.g. SEC-01.password-auth")) -> None:
    """Undo a fault."""
    _apply(name, "heal")


if __name__ == "__main__":
    app()
