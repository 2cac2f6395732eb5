"""Host facts: named commands whose output checks read as data.

A check asks for a fact by naming it as a fixture argument (`def test_x(sshd_config)`). Before the
first fact of a host is read, the plugin already knows every fact that the selected checks need on
that host, so the SSH probe gathers them all in one round trip, as Ansible's fact gathering does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Raw:
    """What a command returned on a host."""

    command: str
    rc: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Fact:
    name: str
    command: str
    parse: Callable[[str], Any]
    sudo: bool = False
    ok: tuple[int, ...] = (0,)


FACTS: dict[str, Fact] = {}


def fact(command: str, *, sudo: bool = False, ok: tuple[int, ...] = (0,)) -> Callable[[Callable], Callable]:
    """Register the decorated parser as the fact of its name, read from `command`."""

    def register(parse: Callable[[str], Any]) -> Callable[[str], Any]:
        FACTS[parse.__name__] = Fact(parse.__name__, command, parse, sudo, ok)
        return parse

    return register


@fact("sshd -T", sudo=True)
def sshd_config(stdout: str) -> dict[str, str]:
    """sshd's effective settings, keys in lower case; a repeated key (port, listenaddress) joins its values."""
    settings: dict[str, str] = {}
    for line in stdout.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            settings[key] = f"{settings[key]} {value}" if key in settings else value
    return settings
