"""The schedules that run `orion check` unattended, read from the files that deploy them: the systemd services
of provisioning's `orion` role (one per entry of `orion_timers`) and the synapse stack's runner container.

A schedule that cannot run fails silently every time it fires, so tests run exactly what each schedule runs.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import jinja2

from orion import PROJECT_ROOT, yamlsrc
from orion.errors import ConfigError

ROLE = Path("provisioning/roles/orion")
SERVICE_TEMPLATE = ROLE / "templates/orion-check.service.j2"
DEFAULTS = ROLE / "defaults/main.yml"
COMPOSE = Path("stacks/synapse/compose.yml")
RUNNER_LOOP = Path("stacks/synapse/orion/orion-loop.sh")
#: `${ORION_CHECK_ARGS:-default}` in compose, `args=${ORION_CHECK_ARGS:-default}` in the loop script.
_DEFAULT = re.compile(r"\$\{ORION_CHECK_ARGS:-(?P<args>[^}]*)\}")


@dataclass(frozen=True)
class Schedule:
    """One unattended `orion check`: its name, where it is defined (file:line) and its arguments after `check`
    (without `--inventory`: the real one is /etc/orion/inventory.yml, the lab brings its own)."""

    name: str
    source: str
    args: tuple[str, ...]


def load(root: Path = PROJECT_ROOT) -> list[Schedule]:
    """Every schedule: the role's timers, then the stack's runner."""
    return [*timers(root), runner(root)]


def timers(root: Path = PROJECT_ROOT) -> list[Schedule]:
    """The command line of each `orion-<name>.service`, rendered from the role's template and defaults."""
    defaults = yamlsrc.load(root / DEFAULTS)
    entries = defaults.data.get("orion_timers") if isinstance(defaults.data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise defaults.error(("orion_timers",), "expected orion_timers: a list of {name, args, on_calendar}")
    template_path = root / SERVICE_TEMPLATE
    number, line = _exec_start(template_path)
    template = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False).from_string(line)
    found = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise defaults.error(("orion_timers", index), "expected a timer: {name, args, on_calendar}")
        try:
            rendered = template.render({**defaults.data, "item": [entry, "service"]})
        except jinja2.TemplateError as exc:
            raise ConfigError(template_path, number, f"cannot render ExecStart: {exc}") from None
        where = f"{defaults.path}:{defaults.line(('orion_timers', index))}"
        args = _check_args(shlex.split(rendered), template_path, number)
        found.append(Schedule(f"timer {entry['name']}", where, args))
    return found


def runner(root: Path = PROJECT_ROOT) -> Schedule:
    """The runner container's `orion check $ORION_CHECK_ARGS`, with the default that compose gives it.

    The loop script splits the arguments as `sh` does (on blanks, no quotes), so they are split the same way here.
    """
    compose = yamlsrc.load(root / COMPOSE)
    loc = ("services", "orion", "environment", "ORION_CHECK_ARGS")
    value = _get(compose.data, loc)
    match = _DEFAULT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise compose.error(loc, "expected ORION_CHECK_ARGS: ${ORION_CHECK_ARGS:-<arguments of orion check>}")
    return Schedule("runner", f"{compose.path}:{compose.line(loc)}", tuple(match["args"].split()))


def loop_default(root: Path = PROJECT_ROOT) -> tuple[str, ...] | None:
    """The loop script's own fallback arguments (used when ORION_CHECK_ARGS is unset), or None."""
    match = _DEFAULT.search((root / RUNNER_LOOP).read_text(encoding="utf-8"))
    return tuple(match["args"].split()) if match else None


def _exec_start(path: Path) -> tuple[int, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc}") from None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("ExecStart="):
            return number, line.removeprefix("ExecStart=")
    raise ConfigError(path, None, "no ExecStart= line")


def _check_args(words: list[str], path: Path, line: int) -> tuple[str, ...]:
    """The words after `<…>/orion check`, without `--inventory PATH` (or `--inventory=PATH`, `-i PATH`)."""
    starts = [i for i, w in enumerate(words[:-1]) if Path(w).name == "orion" and words[i + 1] == "check"]
    if not starts:
        raise ConfigError(path, line, f"expected an `orion check` command, got: {' '.join(words)}")
    rest, args = iter(words[starts[0] + 2 :]), []
    for word in rest:
        if word in ("--inventory", "-i"):
            next(rest, None)
        elif not word.startswith("--inventory="):
            args.append(word)
    return tuple(args)


def _get(data: object, loc: tuple[str, ...]) -> object:
    for key in loc:
        data = data.get(key) if isinstance(data, dict) else None
    return data
