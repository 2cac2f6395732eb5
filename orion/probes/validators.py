"""The tool-backed validations of a stack: which command validates what, and where it runs.

The first validation a check asks for starts every validation of that stack (`tools.prefetch`), so the tools
run side by side while the checks that read files themselves go on.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

from orion import tree
from orion.errors import ConfigError
from orion.probes import located, tools
from orion.probes.caddyfile import Caddyfile, with_internal_tls
from orion.probes.compose import Stack
from orion.probes.prometheus import MONITORING_NODE
from orion.probes.tools import Command, Ran


def compose_config(stack: Stack) -> Ran:
    """`docker compose config -q` with the stack's .env.example, as a user validates before `up`."""
    return _run(stack, _compose(stack.dir))


def yamllint(stack: Stack) -> Ran:
    return _run(stack, _yamllint(stack.dir))


def shell_scripts(stack: Stack) -> list[Path]:
    """The stack's shell scripts: *.sh, and files that start with a sh or bash shebang."""
    return _shell_scripts(stack.dir)


def shellcheck(stack: Stack) -> Ran:
    return _run(stack, _shellcheck(stack.dir))


def promtool_check_config(stack: Stack) -> Ran:
    return _run(stack, _promtool_config(stack.dir))


def promtool_check_rules(stack: Stack) -> Ran:
    return _run(stack, _promtool_rules(stack.dir))


def promtool_test_rules(stack: Stack) -> list[Ran]:
    """One run per unit-test file, so that they spread over the cores."""
    return [_run(stack, command) for command in _promtool_tests(stack.dir)]


def amtool_check_config(stack: Stack) -> Ran:
    return _run(stack, _amtool(stack.dir))


def caddy_adapt(stack: Stack) -> Ran:
    """`caddy adapt` of the Caddyfile, on a copy whose DNS challenge is swapped for `tls internal`.

    Debian's caddy lacks the caddy-dns/cloudflare module, so the real file cannot adapt here; the copy keeps
    every other line where it was, and its errors are reported against the real file.
    """
    caddyfile = stack.dir / "caddy" / "Caddyfile"
    ran = _run(stack, _caddy(stack.dir))
    return Ran(ran.command, ran.rc, ran.output.replace(str(_internal_tls_copy(caddyfile)), located.shown(caddyfile)))


# --- commands ---------------------------------------------------------------------------------------


def ansible_syntax_check() -> Ran:
    """`ansible-playbook --syntax-check provisioning/site.yml`: the provisioning of the Pis parses."""
    return tools.run(_ansible_syntax())


def _ansible_syntax() -> Command:
    beside = Path(sys.executable).with_name("ansible-playbook")  # the virtualenv's, from ansible-core
    tool = str(beside) if beside.exists() else "ansible-playbook"
    return Command((tool, "-i", "localhost,", "--syntax-check", "site.yml"), tree.current().provisioning)


def _run(stack: Stack, command: Command) -> Ran:
    if tools.PREFETCH:
        tools.prefetch(_every_command(stack.node, stack.dir))
    ran = tools.run(command)
    shown = located.shown(stack.dir)  # absolute paths in the output, as a person reads them
    return Ran(ran.command, ran.rc, ran.output.replace(str(stack.dir.resolve()), shown).replace(str(stack.dir), shown))


@cache
def _every_command(node: str, directory: Path) -> list[Command]:
    commands = [_compose(directory), _yamllint(directory), _ansible_syntax()]  # the last one is shared
    if _shell_scripts(directory):
        commands.append(_shellcheck(directory))
    if (directory / "caddy" / "Caddyfile").is_file():
        commands.append(_caddy(directory))
    if node == MONITORING_NODE:
        commands += [*_promtool_tests(directory), _promtool_config(directory), _promtool_rules(directory),
                     _amtool(directory)]  # fmt: skip
    return commands


def _compose(directory: Path) -> Command:
    return Command(("docker", "compose", "--env-file", ".env.example", "-f", "compose.yml", "config", "-q"), directory)


def _yamllint(directory: Path) -> Command:
    return Command(("yamllint", "-f", "parsable", "-c", str(directory.parent / ".yamllint"), str(directory)), directory)


@cache
def _shell_scripts(directory: Path) -> list[Path]:
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and "secrets" not in p.parts):
        with path.open("rb") as handle:
            head = handle.readline(80)
        if path.suffix == ".sh" or (head.startswith(b"#!") and head.rstrip().endswith((b"sh", b"bash"))):
            found.append(path)
    return found


def _shellcheck(directory: Path) -> Command:
    return Command(("shellcheck", "-f", "gcc", *map(str, _shell_scripts(directory))), directory)


def _promtool_config(directory: Path) -> Command:
    return Command(("promtool", "check", "config", "prometheus.yml"), directory / "prometheus")


def _promtool_rules(directory: Path) -> Command:
    rules = sorted(str(p) for p in (directory / "prometheus" / "rules").glob("*.y*ml"))
    return Command(("promtool", "check", "rules", *rules), directory / "prometheus")


def _promtool_tests(directory: Path) -> list[Command]:
    tests = sorted((directory / "prometheus" / "tests").glob("*.y*ml"))
    return [Command(("promtool", "test", "rules", str(path)), directory / "prometheus") for path in tests]


def _amtool(directory: Path) -> Command:
    config = directory / "alertmanager" / "alertmanager.yml"
    return Command(("amtool", "check-config", str(config)), config.parent)


def _caddy(directory: Path) -> Command:
    copy = _internal_tls_copy(directory / "caddy" / "Caddyfile")
    return Command(("caddy", "adapt", "--config", str(copy), "--adapter", "caddyfile"), copy.parent)


@cache
def _internal_tls_copy(caddyfile: Path) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="orion-caddy-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    copy = directory / "Caddyfile"
    try:
        text = with_internal_tls(Caddyfile(caddyfile))
    except ConfigError:  # unparsable here: let caddy itself say what is wrong with it
        if not caddyfile.is_file():
            raise
        text = caddyfile.read_text(encoding="utf-8")
    copy.write_text(text, encoding="utf-8")
    return copy
