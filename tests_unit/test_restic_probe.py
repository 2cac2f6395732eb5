"""orion.probes.restic on restic 0.14's real output (tests_unit/samples/restic/, made with the real binary):
exit codes explained, 0.14's exit 1 told apart by its message, damage named by pack, never a traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orion.outcomes import CannotObserve, SubjectDown
from orion.probes.restic import (
    LOCAL,
    OFFSITE,
    Ran,
    Restic,
    Snapshot,
    check_damage,
    parse_ls,
    parse_manifest,
    parse_time,
    raise_for,
)

SAMPLES = Path(__file__).parent / "samples" / "restic"
PACK = "7af1170c8f3cb6c47069e6ca1a965b312649b8aba7982940e40827a7911c04a6"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def failed(stderr_sample: str, rc: int = 1) -> Ran:
    return Ran("local", "restic snapshots --json", rc, "", sample(stderr_sample))


@pytest.mark.parametrize(
    ("name", "code", "meaning"),
    [
        ("wrong-password.err", 12, "wrong password"),
        ("missing-repo.err", 10, "the repository does not exist"),
        ("locked.err", 11, "locked by another process"),
        ("sftp-unreachable.err", "unreachable", "remote is unreachable"),
        ("restore-flipped.err", 1, "fatal error"),
    ],
)
def test_restic_014_exit_1_is_explained_by_its_message(name, code, meaning):
    ran = failed(name)
    assert ran.code == code
    assert meaning in ran.explained()
    assert ran.explained().startswith("exit 1")


def test_newer_restic_exit_codes_explain_themselves():
    ran = Ran("offsite", "restic check", 12, "", "Fatal: wrong password or no key found\n")
    assert ran.code == 12 and ran.explained().startswith("exit 12 (wrong password)")
    assert Ran("local", "restic backup", 3, "", "").explained().startswith("exit 3 (partial")


def test_a_repository_that_cannot_be_opened_fails_the_check_naming_restics_line():
    with pytest.raises(SubjectDown) as raised:
        raise_for(failed("wrong-password.err"), "restic container")
    assert "wrong password or no key found" in str(raised.value)
    with pytest.raises(SubjectDown, match="unreachable"):
        raise_for(failed("sftp-unreachable.err"), "restic container")
    with pytest.raises(SubjectDown, match="does not exist"):
        raise_for(failed("missing-repo.err"), "restic container")


def test_a_lock_held_by_another_job_is_an_error_not_a_failure():
    with pytest.raises(CannotObserve, match="locked"):
        raise_for(failed("locked.err"), "restic container")
    assert failed("locked.err").unusable


def test_snapshots_json_reads_ids_times_and_paths():
    [snapshot] = [Snapshot.of(s) for s in json.loads(sample("snapshots.json"))]
    assert snapshot.short == "baab2f30" and snapshot.tags == ("daily",)
    assert snapshot.paths == ("/tmp/rs/src/a", "/tmp/rs/src/b")
    assert snapshot.time == datetime(2026, 12, 2, 17, 44, 25, 237797, tzinfo=UTC)


def test_snapshot_times_with_an_offset_or_none_fraction_are_read():
    assert parse_time("2026-12-02T18:44:25+01:00") == datetime(2026, 12, 2, 17, 44, 25, tzinfo=UTC)
    with pytest.raises(CannotObserve):
        parse_time("yesterday")


def test_ls_json_lists_the_node_paths_only():
    paths = parse_ls(sample("ls.jsonl"))
    assert paths[0] == "/src/a" and "/src/a/f22" in paths and all(p.startswith("/src/a") for p in paths)


def test_a_truncated_pack_is_named():
    damage = check_damage(sample("check-truncated.err") + sample("check-truncated.out"))
    assert [d.pack for d in damage] == [PACK]
    assert "unexpected file size" in damage[0].line


def test_a_pack_whose_bytes_changed_is_named():
    damage = check_damage(sample("check-flipped.err") + sample("check-flipped.out"))
    assert [d.pack for d in damage] == [PACK]
    assert "Pack ID does not match" in damage[0].line


def test_a_clean_check_reports_no_damage():
    assert check_damage("using temporary cache in /tmp/x\nload indexes\ncheck all packs\nno errors were found\n") == []


def test_manifest_lines_by_path():
    digest = "a" * 64
    assert parse_manifest(f"{digest}  /source/hdd/docs/a b.txt\nnot a line\n") == {"/source/hdd/docs/a b.txt": digest}


class FakeNode:
    def __init__(self, rc: int, output: str) -> None:
        self.rc, self.output, self.commands = rc, output, []

    def exec(self, service: str, command: str) -> tuple[int, str]:
        self.commands.append(command)
        return self.rc, self.output


def test_run_keeps_stdout_and_stderr_apart_and_selects_the_offsite_repository_without_secrets():
    node = FakeNode(0, '[{"id": "x"}]\n--orion-restic-stderr--\nwarning\n')
    ran = Restic(node).run(OFFSITE, ["snapshots", "--json"])
    assert ran.stdout == '[{"id": "x"}]' and ran.stderr == "warning\n"
    assert '-r "$RESTIC_OFFSITE_REPOSITORY"' in node.commands[0] and "--password-file" in node.commands[0]
    assert "-r" not in Restic(node).run(LOCAL, ["snapshots"]).command


def test_output_that_is_not_json_cannot_be_observed():
    node = FakeNode(0, "oops\n--orion-restic-stderr--\n")
    with pytest.raises(CannotObserve, match="did not print JSON"):
        Restic(node).json(LOCAL, ["snapshots"])


def test_a_failed_snapshots_listing_raises_the_explained_outcome():
    node = FakeNode(1, "\n--orion-restic-stderr--\n" + sample("wrong-password.err"))
    with pytest.raises(SubjectDown, match="exit 1, as 12 \\(wrong password\\)"):
        Restic(node).snapshots(LOCAL, "daily")


@pytest.mark.parametrize(
    ("name", "says"), [("check-index-damaged.err", "error loading index"), ("check-pack-missing.err", "does not exist")]
)
def test_damage_done_by_hand_is_reported_not_taken_for_an_unusable_repository(name, says):
    ran = failed(name)
    assert not ran.unusable
    damage = check_damage(ran.stderr)
    assert damage and says in damage[0].line
