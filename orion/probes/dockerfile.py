"""A Dockerfile as instructions (continuation lines joined) that keep the line they start on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orion.probes import located
from orion.probes.compose import Stack


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, ARG…
    args: str
    line: int


class Dockerfile:
    def __init__(self, path: Path) -> None:
        self.path = path
        text = located.text(path)
        self.instructions = _instructions(text)

    @staticmethod
    def of(stack: Stack, build: dict[str, Any]) -> Dockerfile:
        """The Dockerfile of a service's `build:` (context relative to the stack, `dockerfile` to the context)."""
        context = stack.dir / str(build.get("context", "."))
        return Dockerfile(located.read(context / str(build.get("dockerfile") or "Dockerfile")))

    def where(self, line: int | None = None) -> str:
        return located.at(self.path, line)

    def runs(self) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == "RUN"]


def _instructions(text: str) -> list[Instruction]:
    found: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not parts and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if not parts:
            start = number
        parts.append(line.removesuffix("\\").strip())
        if not line.endswith("\\"):
            keyword, _, args = " ".join(parts).partition(" ")
            found.append(Instruction(keyword.upper(), args.strip(), start))
            parts = []
    return found
