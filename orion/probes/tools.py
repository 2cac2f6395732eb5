"""Validation tools (docker compose, promtool, amtool, caddy, yamllint, shellcheck) run for static checks.

A tool that is missing or hangs means the check could not observe: CannotObserve, never a failure. Each
command runs once per process, in a small pool, so that checks sharing a run share its result, and so that
`prefetch` can start a stack's tools while other checks are running: the gate's 10-second budget on two cores
depends on it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from orion import evidence
from orion.outcomes import CannotObserve

TIMEOUT_S = 60.0
#: ORION_TOOL_PREFETCH=0: run each tool only when a check asks for it (a single check module needs few tools).
PREFETCH = os.environ.get("ORION_TOOL_PREFETCH", "1") != "0"
#: The environment tools run with: nothing from the caller's shell leaks into what they validate.
_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DOCKER_CONFIG")


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    cwd: Path
    timeout: float = TIMEOUT_S

    def __str__(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class Ran:
    """What a tool said: its exit code and its output (stdout then stderr)."""

    command: Command
    rc: int
    output: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def summary(self, lines: int = 3) -> str:
        """A few lines of the output for a one-line message, from the first that reports a problem."""
        text = [line.strip() for line in self.output.splitlines() if line.strip()]
        first = next((i for i, line in enumerate(text) if _PROBLEM.search(line)), 0)
        shown = text[first : first + lines]
        more = f" (+{len(text) - first - lines} more lines)" if len(text) > first + lines else ""
        return " | ".join(shown) + more if shown else f"exit {self.rc}, no output"


_PROBLEM = re.compile(r"fail|error|invalid|warning|unrecognized|not found", re.IGNORECASE)
_pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="orion-tool")
_started: dict[Command, Future[Ran | CannotObserve]] = {}
_lock = threading.Lock()


def prefetch(commands: Iterable[Command]) -> None:
    """Start `commands` in the background (each at most once per process)."""
    with _lock:
        for command in commands:
            if command not in _started:
                _started[command] = _pool.submit(_execute, command)


def run(command: Command) -> Ran:
    """The result of `command` (run now, or awaited if prefetched); recorded as the check's evidence."""
    prefetch([command])
    evidence.source(f"{command} (in {command.cwd})")
    result = _started[command].result()
    if isinstance(result, CannotObserve):
        raise CannotObserve(str(result))
    return result


def _execute(command: Command) -> Ran | CannotObserve:
    tool = command.argv[0]
    env = {key: os.environ[key] for key in _ENV_KEYS if key in os.environ}
    env["PATH"] = search_path()
    found = shutil.which(tool, path=env["PATH"])
    if found is None:
        return CannotObserve(f"{tool} is not installed (make deps)")
    try:
        done = subprocess.run(
            (found, *command.argv[1:]), cwd=command.cwd, env=env, capture_output=True, text=True,
            timeout=command.timeout, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return CannotObserve(f"`{command}` did not finish within {command.timeout:g} s")
    except OSError as exc:
        return CannotObserve(f"cannot run `{command}`: {exc.strerror or exc}")
    return Ran(command, done.returncode, done.stdout + done.stderr)


def search_path() -> str:
    """PATH with Orion's own interpreter directory first: the Python tools installed with Orion (yamllint,
    ansible-playbook, ansible-lint) live beside it in its virtualenv, which need not be on the caller's PATH."""
    return os.pathsep.join(
        dict.fromkeys([str(Path(sys.executable).parent), *os.environ.get("PATH", "").split(os.pathsep)])
    )
