"""Running commands with one-line errors instead of tracebacks."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from orion.lab.errors import LabError


def run(
    args: Sequence[str | Path],
    *,
    what: str | None = None,
    check: bool = True,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = 600,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` capturing output; on failure raise :class:`LabError` naming ``what``."""
    argv = [str(a) for a in args]
    label = what or " ".join(argv[:3])
    try:
        proc = subprocess.run(
            argv,
            input=input.decode() if input is not None else None,
            capture_output=True,
            text=True,
            env=dict(env) if env is not None else None,
            timeout=timeout,
            cwd=cwd,
        )
    except FileNotFoundError as exc:
        raise LabError(f"{label}: {argv[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{label}: timed out after {timeout:.0f} s") from exc
    if check and proc.returncode != 0:
        raise LabError(f"{label} failed (exit {proc.returncode}): {tail(proc.stderr or proc.stdout)}")
    return proc


def ok(args: Sequence[str | Path], timeout: float = 30) -> bool:
    """True when ``args`` exits 0 (output discarded)."""
    try:
        return run(args, check=False, timeout=timeout).returncode == 0
    except LabError:
        return False


def tail(text: str, lines: int = 3) -> str:
    """The last non-empty lines of ``text`` joined on one line."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "(no output)"
