"""One Orion run at a time: an fcntl lock on <state>/orion.lock, waited for a bounded time.

The lock dies with its process (the kernel releases it), so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_WAIT_S = 120.0
LOCK_NAME = "orion.lock"


class Busy(Exception):
    """Another Orion run held the lock for the whole wait."""


def wait_s() -> float:
    """$ORION_LOCK_WAIT (seconds), else DEFAULT_WAIT_S."""
    try:
        return max(0.0, float(os.environ.get("ORION_LOCK_WAIT", DEFAULT_WAIT_S)))
    except ValueError:
        return DEFAULT_WAIT_S


@contextmanager
def hold(state: Path, what: str, wait: float | None = None) -> Iterator[None]:
    wait = wait_s() if wait is None else wait
    path = state / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "unknown"
                    raise Busy(f"another Orion run holds {path} ({holder}); gave up after waiting {wait:g} s") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.pwrite(fd, f"pid {os.getpid()}, {what}, since {stamp}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
