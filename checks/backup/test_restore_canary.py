"""BACKUP-06, live (weekly): the canary set restores, and every file matches the SHA-256 written at backup time.

The daily job hashes the canary files (backup.conf's CANARY) into a manifest just before restic reads them, and
keeps it beside the snapshot it made (<manifest dir>/local-<snapshot id>.sha256, in the restic container). This
check restores those files from the newest daily snapshot on the HDD into a temporary folder of the container,
hashes each one and compares it with the manifest. A file changed in the source after the backup does not
matter (the manifest is the snapshot's); a file changed in the repository does: restic refuses its damaged
data, or the restored bytes differ. The temporary folder is removed whatever happens, and its removal checked.
"""

import shlex

import pytest

from orion.expect import expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes.restic import LOCAL, Restic, parse_manifest, raise_for

pytestmark = [pytest.mark.req("BACKUP-06"), pytest.mark.live, pytest.mark.weekly]
MANIFESTS = '"${BACKUP_MANIFEST_DIR:-/cache/manifests}"'


def test_the_canary_set_restores_with_the_hashes_of_its_manifest(docker_node):
    restic = Restic(docker_node)
    snapshots = restic.snapshots(LOCAL, "daily")
    expect_that(bool(snapshots), "the local repository holds no daily snapshot to restore", observed=[], expected="one")
    snapshot = snapshots[-1]
    rc, text = docker_node.exec("restic", f"cat {MANIFESTS}/local-{snapshot.id}.sha256")
    manifest = parse_manifest(text) if rc == 0 else {}
    expect_that(bool(manifest), f"no manifest was written at backup time for snapshot {snapshot.short}",
                observed=text.strip()[:200] or f"exit {rc}", expected="SHA-256 lines of the canary set")  # fmt: skip

    rc, scratch = docker_node.exec("restic", "mktemp -d /tmp/orion-restore-test.XXXXXX")
    scratch = scratch.strip()
    if rc or not scratch.startswith("/tmp/orion-restore-test."):
        raise CannotObserve(f"restic container: cannot create a temporary folder ({scratch[:200]})")
    try:
        includes = [word for path in manifest for word in ("--include", path)]
        ran = restic.run(LOCAL, ["--no-lock", "restore", snapshot.id, "--target", scratch, *includes])
        if ran.unusable:
            raise_for(ran, "restic container")
        refused = [line for line in ran.stderr.splitlines() if line.startswith(("ignoring error", "Fatal"))]
        rc, listing = docker_node.exec("restic", f"cd {shlex.quote(scratch)} && find . -type f -exec sha256sum {{}} +")
        restored = parse_manifest(_relative(listing))
    finally:
        docker_node.exec("restic", f"rm -rf {shlex.quote(scratch)}")
    rc, left = docker_node.exec("restic", f"test -e {shlex.quote(scratch)} && echo left || echo removed")
    expect_that(left.strip() == "removed", "the restore test left its temporary folder behind",
                observed=scratch, expected="removed")  # fmt: skip

    wrong = {
        path: "not restored" if path not in restored else f"SHA-256 {restored[path][:12]}… (manifest {digest[:12]}…)"
        for path, digest in manifest.items()
        if restored.get(path) != digest
    }
    if refused:
        wrong["restic"] = "; ".join(refused[:3])
    expect_none(wrong, f"the canary set of snapshot {snapshot.short} does not restore as it was backed up "
                       f"({len(manifest)} files)")  # fmt: skip


def _relative(listing: str) -> str:
    """`sha256sum` lines of `find .`: `HASH  ./source/…` made `HASH  /source/…` like the manifest's."""
    return "\n".join(line.replace("  ./", "  /", 1) for line in listing.splitlines())
