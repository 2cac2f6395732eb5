"""restic, run where the backups are made: inside the node's restic container (docker exec), against its local
repository or its offsite one, each opened with the container's own settings and password file (Orion never
reads a password). restic's exit codes are explained, and restic 0.14 (which says every fatal error with exit 1)
is told apart by its message:

    0  success                     3  partial: some source files could not be read
    1  fatal error                 10 the repository does not exist
    11 the repository is locked    12 wrong password

A repository that cannot be opened (wrong password, missing, unreachable) is SubjectDown: the check is `failed`
with restic's own line as evidence. A lock held by another job, a timeout, or a restic that is missing is
CannotObserve (`error`): Orion could not look this time. Never a traceback.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from orion import evidence
from orion.outcomes import CannotObserve, SubjectDown

SERVICE = "restic"
#: restic's exit codes (restic >= 0.17 returns 10/11/12; 0.14 returns 1 and says which in its message).
EXIT_CODES = {
    0: "success",
    1: "fatal error",
    3: "partial: some source files could not be read",
    10: "the repository does not exist",
    11: "the repository is locked by another process",
    12: "wrong password",
    124: "timed out",
    127: "restic is not installed in the container",
}
#: restic 0.14's messages for what newer releases give an exit code of its own, and the lab's sftp failures.
_MESSAGES: tuple[tuple[re.Pattern[str], int | str], ...] = (
    (re.compile(r"wrong password or no key found"), 12),
    (re.compile(r"Is there a repository at the following location\?|repository does not exist"), 10),
    (re.compile(r"repository is already locked|unable to create lock"), 11),
    (re.compile(r"unable to start the sftp session|ssh command exited|Connection (timed out|refused|closed)"
                r"|No route to host|Could not resolve hostname|connection reset"), "unreachable"),
)  # fmt: skip
_UNREACHABLE = "the repository's remote is unreachable"
#: How long one restic command may take before Orion gives up on it (the container's `timeout`).
TIMEOUT_S = 150
_SPLIT = "\n--orion-restic-stderr--\n"


class Executor(Protocol):
    """What runs a command in a container (orion.probes.docker.DockerNode)."""

    def exec(self, service: str, command: str) -> tuple[int, str]: ...


@dataclass(frozen=True)
class Repository:
    """One repository of the job: `local` (the container's RESTIC_REPOSITORY) or `offsite`."""

    name: str

    @property
    def flags(self) -> str:
        """restic's global flags that select it, as shell words the container expands (no secret in them)."""
        if self.name == "offsite":
            password = "${RESTIC_OFFSITE_PASSWORD_FILE:-$RESTIC_PASSWORD_FILE}"
            return f'-r "$RESTIC_OFFSITE_REPOSITORY" --password-file "{password}"'
        return ""


LOCAL = Repository("local")
OFFSITE = Repository("offsite")


@dataclass(frozen=True)
class Ran:
    """One restic command: its exit code, stdout and stderr, and where it ran."""

    repo: str
    command: str
    rc: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def code(self) -> int | str:
        """The exit code that says what happened: restic 0.14's exit 1 refined from its message."""
        if self.rc == 1:
            for pattern, code in _MESSAGES:
                if pattern.search(self.stderr):
                    return code
        return self.rc

    @property
    def unusable(self) -> bool:
        """The repository could not be used at all (missing, locked, wrong password, unreachable, timed out), as
        opposed to a command that ran and found something wrong in it."""
        return not self.ok and self.code in (10, 11, 12, 124, 127, "unreachable")

    def explained(self) -> str:
        """`exit 12 (wrong password): Fatal: wrong password or no key found`."""
        code = self.code
        meaning = _UNREACHABLE if code == "unreachable" else EXIT_CODES.get(int(code), "unknown exit code")
        shown = f"exit {self.rc}" if code == self.rc else f"exit {self.rc}, as {code!s}"
        return f"{shown} ({meaning}): {self.first_problem()}"

    def first_problem(self) -> str:
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        fatal = [ln for ln in lines if ln.startswith("Fatal:") or _is_problem(ln)]
        return (fatal or lines or ["no output"])[0][:300]

    def summary(self, lines: int = 3) -> str:
        """For orion.expect.expect_success."""
        return self.explained()


def _is_problem(line: str) -> bool:
    return any(p.search(line) for p, _ in _MESSAGES) or line.startswith(("pack ", "Pack ID", "error", "ignoring error"))


def explain_exit(rc: int) -> str:
    return EXIT_CODES.get(rc, "unknown exit code")


class Restic:
    """restic in the node's `restic` container."""

    def __init__(self, node: Executor, service: str = SERVICE) -> None:
        self.node = node
        self.service = service

    def run(self, repo: Repository, args: Sequence[str], raw: str = "") -> Ran:
        """`restic FLAGS ARGS RAW` in the container, stdout and stderr kept apart. `raw` is shell text the
        container expands (its own settings, e.g. `"${BACKUP_CHECK_SUBSET:-5%}"`): never a value from outside."""
        words = " ".join([*(shlex.quote(a) for a in args), *([raw] if raw else [])])
        shown = f"restic {repo.flags + ' ' if repo.flags else ''}{words}"
        command = (
            f'err=$(mktemp); out=$(timeout {TIMEOUT_S} restic {repo.flags} {words} 2>"$err"); rc=$?; '
            f'printf \'%s\' "$out"; printf \'{_SPLIT}\'; cat "$err"; rm -f "$err"; exit $rc'
        )
        evidence.source(f"docker exec {self.service}: {shown} ({repo.name} repository)")
        rc, output = self.node.exec(self.service, command)
        stdout, _, stderr = output.partition(_SPLIT)
        return Ran(repo.name, shown, rc, stdout, stderr)

    def require_open(self, ran: Ran) -> None:
        """Raise the outcome a failed command means, unless it succeeded."""
        if ran.ok:
            return
        raise_for(ran, f"{self.service} container")

    def json(self, repo: Repository, args: Sequence[str]) -> Any:
        ran = self.run(repo, [*args, "--json"])
        self.require_open(ran)
        try:
            return json.loads(ran.stdout)
        except ValueError:
            raise CannotObserve(f"{repo.name} repository: `{ran.command} --json` did not print JSON") from None

    def snapshots(self, repo: Repository, tag: str) -> list[Snapshot]:
        """The repository's snapshots of one set (tag), oldest first; read without a lock."""
        found = self.json(repo, ["--no-lock", "snapshots", "--tag", tag])
        return sorted((Snapshot.of(s) for s in found or []), key=lambda s: s.time)

    def files(self, repo: Repository, snapshot: str, *folders: str) -> list[str]:
        """The paths of the entries directly in each folder of a snapshot (`restic ls --json SNAPSHOT FOLDER…`)."""
        ran = self.run(repo, ["--no-lock", "ls", "--json", snapshot, *folders])
        self.require_open(ran)
        return parse_ls(ran.stdout)


def raise_for(ran: Ran, where: str) -> None:
    """The outcome of a failed restic command: a lock or a timeout cannot be observed past; anything else means
    the repository cannot be used, and the check fails with restic's words."""
    code = ran.code
    source = f"{ran.command} in the {where}"
    if code in (11, 124, 127):
        raise CannotObserve(f"{ran.repo} repository: restic {ran.explained()}")
    raise SubjectDown(f"the {ran.repo} restic repository", f"restic {ran.explained()}", source)


@dataclass(frozen=True)
class Snapshot:
    id: str
    time: datetime
    paths: tuple[str, ...]
    tags: tuple[str, ...]
    hostname: str

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Snapshot:
        return cls(
            id=str(raw["id"]),
            time=parse_time(str(raw["time"])),
            paths=tuple(raw.get("paths") or ()),
            tags=tuple(raw.get("tags") or ()),
            hostname=str(raw.get("hostname", "")),
        )

    @property
    def short(self) -> str:
        return self.id[:8]

    def age_hours(self, now: datetime) -> float:
        return (now - self.time).total_seconds() / 3600


def parse_time(text: str) -> datetime:
    """restic's RFC 3339 time with nanoseconds (`2026-12-02T17:44:25.237797096Z` or `…+01:00`)."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not match:
        raise CannotObserve(f"restic printed a snapshot time Orion cannot read: {text!r}")
    fraction = (match[2] or ".0")[:7]
    zone = "+00:00" if match[3] == "Z" else match[3]
    return datetime.fromisoformat(f"{match[1]}{fraction}{zone}").astimezone(UTC)


def parse_ls(stdout: str) -> list[str]:
    """`restic ls --json`: a snapshot line, then one node per line; the nodes' paths."""
    paths = []
    for line in stdout.splitlines():
        try:
            node = json.loads(line)
        except ValueError:
            continue
        if isinstance(node, dict) and node.get("struct_type") == "node":
            paths.append(str(node["path"]))
    return paths


@dataclass(frozen=True)
class Damage:
    """What `restic check` reported wrong: the pack (when it names one) and restic's line."""

    pack: str | None
    line: str


_PACK = re.compile(r"\b(?:pack|want) ([0-9a-f]{64})\b|\bdata/[0-9a-f]{2}/([0-9a-f]{64})|<data/([0-9a-f]{8,64})>")


def check_damage(output: str) -> list[Damage]:
    """The problems in `restic check` output (0.14): truncated or unreadable packs, hash mismatches, missing blobs."""
    found: list[Damage] = []
    for raw in output.splitlines():
        line = raw.strip()
        if not line or line.startswith(("using temporary cache", "create ", "load indexes", "check ", "[", "read ")):
            continue
        if line in ("no errors were found",) or line.startswith(("Load(", "Fatal: repository contains errors")):
            continue
        match = _PACK.search(line)
        pack = next((g for g in match.groups() if g), None) if match else None
        found.append(Damage(pack, line[:300]))
    return found


def parse_manifest(text: str) -> dict[str, str]:
    """`sha256sum` lines (`HASH  /source/path`) by path."""
    hashes = {}
    for line in text.splitlines():
        digest, sep, path = line.partition("  ")
        if sep and re.fullmatch(r"[0-9a-f]{64}", digest):
            hashes[path] = digest
    return hashes
