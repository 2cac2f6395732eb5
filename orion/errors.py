"""Errors that carry where the bad input is, so users never see a traceback for them."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """Bad input in a file: names the file, the line when known, and what was expected."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"
