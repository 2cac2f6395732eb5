"""MAINT-05, live: a download the *arr history confirms as imported, whose seeding goal is met, is removed from
qBittorrent and from the download folder within the grace period; and the cleanup removes nothing else: every
imported library file is still there, and no download is left behind by a torrent that is gone.

The cleanup job is the remediation `clean-downloads`. The grace is `maintenance_download_cleanup_grace_s` of the
node (one day when unset: the job runs at least daily)."""

import time

import pytest

from orion.expect import expect_none
from orion.probes import desired
from orion.probes.arr import IMPORTERS, Arr, on_host, stat
from orion.probes.qbittorrent import QbtApi, due_for_cleanup

pytestmark = [pytest.mark.req("MAINT-05"), pytest.mark.daily, pytest.mark.live]

DEFAULT_GRACE_S = 24 * 3600


def _imports(http):
    return [i for app in IMPORTERS for i in Arr(http(app)).imports()]


def test_imported_downloads_past_their_seeding_goal_are_removed_within_the_grace(http, node):
    grace = desired.var(node, "maintenance", "maintenance_download_cleanup_grace_s")
    grace = DEFAULT_GRACE_S if grace is None else int(grace)
    torrents, imported = QbtApi.of(http("qbittorrent")).torrents(), {i.download_id for i in _imports(http)}
    due = due_for_cleanup(torrents, imported, time.time())
    overdue = {t["name"]: f"imported, seeding goal met {int(since)} s ago" for t, since in due if since > grace}
    expect_none(overdue, f"downloads still in qBittorrent past their seeding goal and the {grace} s grace")


def test_removed_torrents_leave_no_download_behind(http, host, node):
    present = {t["hash"].upper() for t in QbtApi.of(http("qbittorrent")).torrents()}
    gone = {i.dropped: on_host(node, i.dropped) for i in _imports(http) if i.download_id not in present}
    found = stat(host, [p for p in gone.values() if p])
    expect_none(sorted(d for d, p in gone.items() if p in found), "downloads left in the download folder by "
                "torrents removed from qBittorrent")  # fmt: skip


def test_the_cleanup_never_removes_imported_media(http, host, node):
    latest = {}
    for i in _imports(http):  # newest first: an upgrade's older file may be gone for good reason
        latest.setdefault(i.download_id, i)
    files = {i.imported: on_host(node, i.imported) for i in latest.values()}
    found = stat(host, [p for p in files.values() if p])
    expect_none(sorted(f for f, p in files.items() if p not in found), "imported library files that are gone")
