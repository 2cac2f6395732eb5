"""MEDIA-01, MEDIA-04, MEDIA-05: one /data tree on the HDD holds downloads and libraries (so the *arr imports
are hardlinks, not copies), and Jellyfin is set for direct play (the Pi 5 has no hardware video encoder)."""

from pathlib import PurePosixPath

import pytest

from orion.expect import At, expect, expect_contains, expect_none, expect_that
from orion.probes.composespec import mounts
from orion.probes.jellyfin import DIRECT_PLAY, EncodingOptions

pytestmark = [pytest.mark.static, pytest.mark.daily]

DATA = "/data"
#: Services that move files between downloads and libraries: they must see one tree.
IMPORTERS = ("qbittorrent", "radarr", "sonarr")
ENCODING = ("./jellyfin/encoding.xml", "/config/encoding.xml")


def _data_mounts(stack):
    return {name: next((m for m in mounts(stack.service(name)) if m.target == DATA), None) for name in IMPORTERS}


@pytest.mark.req("MEDIA-04")
def test_the_importers_mount_the_data_tree(stack):
    lacking = [At(n, stack.service(n).where("volumes")) for n, m in _data_mounts(stack).items() if m is None]
    expect_none(lacking, f"services that do not mount the shared tree at {DATA}")


@pytest.mark.req("MEDIA-04")
def test_downloads_and_libraries_share_one_host_tree(stack):
    found = {n: m for n, m in _data_mounts(stack).items() if m}
    expect_that(len({m.source for m in found.values()}) <= 1, f"{', '.join(IMPORTERS)} mount different host trees "
                f"at {DATA}, so imports copy instead of hardlinking", observed={n: m.source for n, m in found.items()},
                expected="one host tree", where=[m.where for m in found.values()])  # fmt: skip


@pytest.mark.req("MEDIA-04")
def test_jellyfin_reads_the_libraries_from_the_same_tree(stack):
    shared = next((m.source for m in _data_mounts(stack).values() if m), "")
    jellyfin = stack.service("jellyfin")
    sources = [m.source for m in mounts(jellyfin)]
    expect_that(any(shared and PurePosixPath(s).is_relative_to(shared) for s in sources),
                f"Jellyfin mounts nothing of the shared tree {shared}", observed=sources,
                expected=f"a mount under {shared}", where=jellyfin.where("volumes"))  # fmt: skip


@pytest.mark.req("MEDIA-05")
def test_the_data_tree_is_on_the_hdd(stack):
    hdd = stack.env.get("HDD_PATH", "/mnt/hdd")
    elsewhere = [At(f"{n}: {m.source}", m.where) for n, m in _data_mounts(stack).items()
                 if m and not PurePosixPath(m.source).is_relative_to(hdd)]  # fmt: skip
    expect_none(elsewhere, f"the media tree is not on the HDD ({hdd})")


@pytest.mark.req("MEDIA-01")
def test_jellyfin_runs_the_encoding_options_of_the_repository(stack):
    jellyfin = stack.service("jellyfin")
    mounted = [(m.source, m.target) for m in mounts(jellyfin) if m.read_only]
    expect_contains(mounted, ENCODING, f"Jellyfin must mount {ENCODING[0]} read-only at {ENCODING[1]}, the file the "
                    "gate checks", where=jellyfin.where("volumes"))  # fmt: skip


@pytest.mark.req("MEDIA-01")
@pytest.mark.parametrize(("option", "value"), DIRECT_PLAY.items(), ids=list(DIRECT_PLAY))
def test_jellyfin_is_set_for_direct_play(stack, option, value):
    observed, where = EncodingOptions.of(stack).get(option)
    expect((observed or "").lower(), value, f"Jellyfin's {option}", where=where)
