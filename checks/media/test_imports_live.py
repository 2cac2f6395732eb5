"""MEDIA-04, live: downloads and libraries are on one filesystem (the same device, seen on the node over SSH), so the
*arr imports are hardlinks; and every download the *arr history says was imported, while qBittorrent still seeds it,
shares its inode with the library file (link count >= 2), instead of being a copy that doubles the space."""

import pytest

from orion.expect import expect_none, expect_that
from orion.probes.arr import IMPORTERS, Arr, on_host, stat
from orion.probes.qbittorrent import QbtApi

pytestmark = [pytest.mark.req("MEDIA-04"), pytest.mark.daily, pytest.mark.live]


def test_downloads_and_libraries_are_on_one_filesystem(http, host, node):
    folders = {"qBittorrent downloads": QbtApi.of(http("qbittorrent")).preferences().get("save_path", "")}
    folders |= {f"{app} {f['path']}": f["path"] for app in IMPORTERS for f in Arr(http(app)).list("rootfolder")}
    places = {name: on_host(node, path) for name, path in folders.items()}
    found = stat(host, [p for p in places.values() if p])
    devices = {name: found[p].device if p in found else "missing" for name, p in places.items() if p}
    expect_none({n: folders[n] for n, p in places.items() if not p}, "folders outside the media tree /data")
    expect_that(len(set(devices.values())) == 1 and "missing" not in devices.values(), "downloads and libraries are "
                "not on one filesystem: imports cannot be hardlinks", observed=devices,
                expected="one device for every folder")  # fmt: skip


def test_imported_downloads_are_hardlinks_of_the_library_files(http, host, node):
    imports = [i for app in IMPORTERS for i in Arr(http(app)).imports(limit=100)]
    pairs = [(i, on_host(node, i.dropped), on_host(node, i.imported)) for i in imports]
    found = stat(host, [p for _, d, m in pairs for p in (d, m) if p])
    # A download already cleaned up (MAINT-05) or a library file removed (MAINT-05 too) proves nothing here.
    seeding = [(i, found[d], found[m]) for i, d, m in pairs if d in found and m in found]
    copies = {i.imported: f"{m.links} link(s), inode {m.inode} (download {i.dropped}: inode {d.inode})"
              for i, d, m in seeding if m.links < 2 or m.inode != d.inode}  # fmt: skip
    expect_none(copies, "imported files that are copies of their download, not hardlinks")
