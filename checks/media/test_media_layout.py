"""MEDIA-01, MEDIA-04, MEDIA-05: one /data tree on the HDD holds downloads and libraries (so the *arr imports
are hardlinks, not copies), and Jellyfin is set for direct play (the Pi 5 has no hardware video encoder)."""

from pathlib import PurePosixPath

import pytest

from orion.expect import expect, expect_that
from orion.probes.composespec import mounts
from orion.probes.jellyfin import EncodingOptions

pytestmark = [pytest.mark.static, pytest.mark.daily]

DATA = "/data"
#: Services that move files between downloads and libraries: they must see one tree.
IMPORTERS = ("qbittorrent", "radarr", "sonarr")
ENCODING = ("./jellyfin/encoding.xml", "/config/encoding.xml")
#: encoding.xml options that keep Jellyfin off hardware transcoding the Pi does not have.
DIRECT_PLAY = {
    "HardwareAccelerationType": "none",
    "EnableHardwareEncoding": "false",
    "AllowHevcEncoding": "false",
    "AllowAv1Encoding": "false",
    "EnableTonemapping": "false",
}


def _data_mounts(stack):
    return {name: next((m for m in mounts(stack.service(name)) if m.target == DATA), None) for name in IMPORTERS}


@pytest.mark.req("MEDIA-04")
def test_the_importers_mount_the_data_tree(stack):
    lacking = [f"{n} ({stack.service(n).where('volumes')})" for n, m in _data_mounts(stack).items() if m is None]
    expect_that(not lacking, f"services that do not mount the shared tree at {DATA}: {'; '.join(lacking)}")


@pytest.mark.req("MEDIA-04")
def test_downloads_and_libraries_share_one_host_tree(stack):
    found = {n: m for n, m in _data_mounts(stack).items() if m}
    expect_that(len({m.source for m in found.values()}) <= 1, f"{', '.join(IMPORTERS)} mount different host trees "
                f"at {DATA}, so imports copy instead of hardlinking: "
                f"{'; '.join(f'{n}: {m.source} ({m.where})' for n, m in found.items())}")  # fmt: skip


@pytest.mark.req("MEDIA-04")
def test_jellyfin_reads_the_libraries_from_the_same_tree(stack):
    shared = next((m.source for m in _data_mounts(stack).values() if m), "")
    jellyfin = stack.service("jellyfin")
    library = [m for m in mounts(jellyfin) if shared and PurePosixPath(m.source).is_relative_to(shared)]
    expect_that(bool(library), f"Jellyfin mounts nothing of the shared tree {shared} ({jellyfin.where('volumes')})")


@pytest.mark.req("MEDIA-05")
def test_the_data_tree_is_on_the_hdd(stack):
    hdd = stack.env.get("HDD_PATH", "/mnt/hdd")
    elsewhere = [f"{n}: {m.source} ({m.where})" for n, m in _data_mounts(stack).items()
                 if m and not PurePosixPath(m.source).is_relative_to(hdd)]  # fmt: skip
    expect_that(not elsewhere, f"the media tree is not on the HDD ({hdd}): {'; '.join(elsewhere)}")


@pytest.mark.req("MEDIA-01")
def test_jellyfin_runs_the_encoding_options_of_the_repository(stack):
    jellyfin = stack.service("jellyfin")
    mounted = [(m.source, m.target) for m in mounts(jellyfin) if m.read_only]
    expect_that(ENCODING in mounted, f"Jellyfin must mount {ENCODING[0]} read-only at {ENCODING[1]}, the file the "
                f"gate checks ({jellyfin.where('volumes')})")  # fmt: skip


@pytest.mark.req("MEDIA-01")
@pytest.mark.parametrize(("option", "value"), DIRECT_PLAY.items(), ids=list(DIRECT_PLAY))
def test_jellyfin_is_set_for_direct_play(stack, option, value):
    observed, where = EncodingOptions.of(stack).get(option)
    expect((observed or "").lower(), value, f"Jellyfin's {option} ({where})")
