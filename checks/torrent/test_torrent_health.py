"""TORR-04, live: qBittorrent's transfer and torrents are exported to Prometheus, and no torrent is errored or
stalled for long.

The exporter is the stack's qbittorrent-exporter service, a textfile writer in qBittorrent's namespace
(`qbittorrent.prom` in the node's node-exporter textfile directory, refreshed every 15 s; see
stacks/cortex/qbittorrent/qbittorrent-textfile.py): its series must be in
Prometheus and fresh. Errored (`error`, `missingFiles`: files deleted or the disk gone) and long-stalled
downloads are read from qBittorrent itself, the authority on its torrents."""

import time

import pytest

from orion.expect import expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes.qbittorrent import ERRORED, STALLED, QbtApi

pytestmark = [pytest.mark.req("TORR-04"), pytest.mark.critical, pytest.mark.live]

#: More errored torrents than this fails (a torrent whose files are gone needs a person).
MAX_ERRORED = 0
#: A download with no activity for this long is stuck (no peer has it any more).
STALLED_FOR_S = 24 * 3600
#: The exporter writes every 15 s and Prometheus scrapes every 30 s: older than this, it stopped.
FRESH_S = 300


def test_qbittorrent_metrics_reach_prometheus(service, node):
    query = f'time() - qbittorrent_exporter_last_success_timestamp_seconds{{node="{node.node}"}}'
    answer = service("prometheus").json("/api/v1/query", params={"query": query})
    if answer.get("status") != "success":
        raise CannotObserve(f"Prometheus did not answer the query {query!r}: {answer.get('error')}")
    ages = [float(r["value"][1]) for r in answer["data"]["result"]]
    expect_that(bool(ages) and min(ages) < FRESH_S, "Prometheus holds no fresh qBittorrent metrics: the exporter "
                "is stopped, cannot reach qBittorrent, or is not scraped", observed=ages or "no series",
                expected=f"written less than {FRESH_S} s ago")  # fmt: skip


def test_no_torrent_is_errored(http):
    errored = [f"{t['name']}: {t['state']}" for t in QbtApi.of(http("qbittorrent")).torrents() if t["state"] in ERRORED]
    expect_that(len(errored) <= MAX_ERRORED, f"{len(errored)} errored torrents (files missing or unreadable)",
                observed=errored, expected=f"at most {MAX_ERRORED}")  # fmt: skip


def test_no_download_is_stalled_for_long(http):
    now = time.time()
    stuck = [f"{t['name']}: no activity for {int((now - t['last_activity']) / 3600)} h"
             for t in QbtApi.of(http("qbittorrent")).torrents()
             if t["state"] in STALLED and now - t.get("last_activity", now) > STALLED_FOR_S]  # fmt: skip
    expect_none(stuck, f"downloads stalled for more than {STALLED_FOR_S // 3600} h")
