"""Run one remediation executable: a minimal environment, its own process group, killed with it at the timeout."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from orion import redact

TAIL_LINES = 20
TAIL_CHARS = 2000
#: After SIGTERM at the timeout, the group has this long before SIGKILL.
GRACE_S = 3.0
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Outcome:
    exit_code: int | None  # None when it was killed at its timeout
    duration_s: float
    output_tail: str  # redacted
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def base_env() -> dict[str, str]:
    """What every script gets besides Orion's variables: a PATH (the venv first, for ansible-playbook and
    python3 with Orion's libraries), HOME and a UTF-8 locale. Nothing else of Orion's environment leaks."""
    venv = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv}:{BASE_PATH}",
        "HOME": os.environ.get("HOME", "/"),
        "LANG": "C.UTF-8",
    }


def tail(text: str) -> str:
    lines = text.rstrip().splitlines()[-TAIL_LINES:]
    return redact.text("\n".join(lines)[-TAIL_CHARS:])


def run(argv: list[str], env: dict[str, str], timeout: float, cwd: Path) -> Outcome:
    start = time.monotonic()
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read1(65536), b"")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
    _kill_group(proc, quiet=True)  # children left behind by a script that exited are the script's too
    reader.join(timeout=2)
    text = b"".join(chunks).decode("utf-8", "replace")
    if timed_out:
        text += f"\norion: killed at its timeout ({timeout:g} s), with its process group"
    return Outcome(None if timed_out else proc.returncode, round(time.monotonic() - start, 3), tail(text), timed_out)


def _kill_group(proc: subprocess.Popen[bytes], quiet: bool = False) -> None:
    """SIGTERM the script's process group, then SIGKILL what is left after a grace period."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + (0.2 if quiet else GRACE_S)
    while time.monotonic() < deadline:
        if proc.poll() is not None and not _group_alive(proc.pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
