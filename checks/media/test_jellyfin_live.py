"""MEDIA-01, live: Jellyfin answers healthy, has a library for each folder the *arr apps import into, on the HDD,
and plays directly: no hardware transcoding in its encoding options, no transcoding in any user's policy."""

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.probes.arr import IMPORTERS, Arr, on_host, stat
from orion.probes.jellyfin import DIRECT_PLAY, TRANSCODING_POLICY, JellyfinApi, as_xml

pytestmark = [pytest.mark.req("MEDIA-01"), pytest.mark.critical, pytest.mark.live]


def test_jellyfin_answers_healthy(http):
    expect(JellyfinApi(http("jellyfin")).health(), "Healthy", "Jellyfin's /health")


def test_jellyfin_has_a_library_for_every_imported_folder(http):
    libraries = JellyfinApi(http("jellyfin")).libraries()
    locations = {loc.rstrip("/") for lib in libraries for loc in lib.get("Locations", [])}
    folders = {f["path"].rstrip("/") for app in IMPORTERS for f in Arr(http(app)).list("rootfolder")}
    expect_none(sorted(folders - locations), "folders the *arr apps import into that no Jellyfin library shows")


def test_jellyfins_libraries_are_on_the_hdd(http, host, node):
    libraries = JellyfinApi(http("jellyfin")).libraries()
    places = {loc: on_host(node, loc) for lib in libraries for loc in lib.get("Locations", [])}
    expect_that(bool(places), "Jellyfin has no library", observed=[lib.get("Name") for lib in libraries],
                expected="libraries with their folders")  # fmt: skip
    mount = on_host(node, "/data")
    found = stat(host, [p for p in places.values() if p] + [mount or ""])
    hdd = found.get(mount or "")
    off = {loc: "outside the media tree /data" if not p else "missing" if p not in found else "not on the HDD"
           for loc, p in places.items()
           if not p or p not in found or (hdd and found[p].device != hdd.device)}  # fmt: skip
    expect_none(off, f"Jellyfin libraries not on the HDD ({mount})")


def test_jellyfin_uses_no_hardware_transcoding(http):
    options = JellyfinApi(http("jellyfin")).encoding()
    wrong = {k: as_xml(options.get(k)) for k, v in DIRECT_PLAY.items() if as_xml(options.get(k)).lower() != v}
    expect_none(wrong, f"Jellyfin's running encoding options are not Direct Play only (expected {DIRECT_PLAY})")


def test_no_jellyfin_user_may_transcode(http):
    users = JellyfinApi(http("jellyfin")).users()
    allowed = {u.get("Name"): [k for k in TRANSCODING_POLICY if (u.get("Policy") or {}).get(k, True)] for u in users}
    expect_none({n: ", ".join(keys) for n, keys in allowed.items() if keys}, "Jellyfin users allowed to transcode")
