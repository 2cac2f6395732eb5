"""MEDIA-02, live: Radarr, Sonarr and Prowlarr answer and report no health issue; Radarr and Sonarr each send to
qBittorrent, import into a root folder of the media tree on the HDD, and search with an indexer Prowlarr syncs."""

from urllib.parse import urlsplit

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.probes.arr import DATA, IMPORTERS, Arr, field

pytestmark = [pytest.mark.req("MEDIA-02"), pytest.mark.critical, pytest.mark.live]

APPS = ("radarr", "sonarr", "prowlarr")


@pytest.mark.parametrize("app", APPS)
def test_the_app_answers_its_ping(http, app):
    expect(Arr(http(app)).ping().get("status"), "OK", f"{app}'s /ping")


@pytest.mark.parametrize("app", APPS)
def test_the_app_reports_no_health_issue(http, app):
    issues = Arr(http(app)).list("health")
    expect_none([f"{i.get('source')}: {i.get('message')}" for i in issues], f"{app} reports health issues")


@pytest.mark.parametrize("app", IMPORTERS)
def test_the_app_sends_downloads_to_qbittorrent(http, app):
    clients = Arr(http(app)).list("downloadclient")
    usable = [c.get("name") for c in clients if c.get("enable") and c.get("implementation") == "QBittorrent"]
    expect_that(bool(usable), f"{app} has no enabled qBittorrent download client",
                observed=[(c.get("name"), c.get("implementation"), c.get("enable")) for c in clients],
                expected="an enabled client with implementation QBittorrent")  # fmt: skip


@pytest.mark.parametrize("app", IMPORTERS)
def test_the_app_imports_into_a_root_folder_on_the_hdd(http, app):
    folders = Arr(http(app)).list("rootfolder")
    good = [f["path"] for f in folders if f.get("accessible") and f["path"].startswith(f"{DATA}/")]
    expect_that(bool(good), f"{app} has no accessible root folder in the HDD's media tree ({DATA})",
                observed=[(f.get("path"), f.get("accessible")) for f in folders],
                expected=f"an accessible root folder under {DATA}/")  # fmt: skip


@pytest.mark.parametrize("app", IMPORTERS)
def test_the_app_searches_with_an_indexer_synced_from_prowlarr(http, app):
    prowlarr = {i["id"] for i in Arr(http("prowlarr")).list("indexer") if i.get("enable")}
    indexers = Arr(http(app)).list("indexer")
    enabled = [i for i in indexers if i.get("enableRss") or i.get("enableAutomaticSearch")]
    synced = [i.get("name") for i in enabled if _prowlarr_id(field(i, "baseUrl")) in prowlarr]
    expect_that(bool(synced), f"{app} has no enabled indexer synced from one of Prowlarr's enabled indexers",
                observed=[(i.get("name"), field(i, "baseUrl")) for i in indexers],
                expected=f"a baseUrl http://prowlarr:9696/<id>/ with <id> in {sorted(prowlarr)}")  # fmt: skip


def _prowlarr_id(base_url: object) -> int | None:
    """The Prowlarr indexer a synced indexer proxies: its baseUrl is Prowlarr's URL then `/<id>/`."""
    parts = urlsplit(str(base_url or ""))
    segments = [s for s in parts.path.split("/") if s]
    return int(segments[-1]) if "prowlarr" in (parts.hostname or "") and segments and segments[-1].isdigit() else None
