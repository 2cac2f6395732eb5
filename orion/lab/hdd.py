"""The file-backed ext4 volume standing for cortex's USB HDD.

Decision: the image is loop-mounted on the *host*, at ``<state>/lab/mnt/cortex/hdd``, under a directory
made a shared mount. The cortex host container binds ``<state>/lab/mnt/cortex`` at ``/mnt`` with ``rslave``
propagation, and the cortex stack's ``HDD_PATH`` is the same host path. Mounting inside the host container
was tried first but cannot serve the stack: its containers run on the one Docker engine and bind host
paths, which would not see a mount made in another mount namespace. With the host mount, a fault that
unmounts (or fills) the disk acts once and every view follows: ``findmnt /mnt/hdd`` over SSH on
orion-cortex, and the media apps' ``/data`` on their next start, just like a Pi booting without its disk.
"""

from __future__ import annotations

from pathlib import Path

from orion.lab.errors import LabError
from orion.lab.paths import lab_state
from orion.lab.proc import ok, run

SIZE_MB = 512
#: Folders the stacks expect on the HDD (the *arr root folders, the torrent client's save path).
TREE = ("data/media/movies", "data/media/tv", "data/torrents/incomplete", "backups")


def image_path(node: str = "cortex") -> Path:
    return lab_state() / "hdd" / f"{node}.img"


def mount_root() -> Path:
    return lab_state() / "mnt"


def mountpoint(node: str = "cortex") -> Path:
    """The host path that is the node's /mnt/hdd."""
    return mount_root() / node / "hdd"


def is_mounted(path: Path) -> bool:
    return ok(["mountpoint", "-q", path])


def ensure_image(node: str = "cortex") -> Path:
    """A sparse ext4 image labelled orion-hdd, created once."""
    image = image_path(node)
    if image.exists():
        return image
    image.parent.mkdir(parents=True, exist_ok=True)
    partial = image.with_suffix(".partial")
    with partial.open("wb") as handle:
        handle.truncate(SIZE_MB * 1024 * 1024)
    run(["mkfs.ext4", "-q", "-F", "-L", "orion-hdd", "-m", "1", partial], what=f"mkfs.ext4 {node} HDD")
    partial.rename(image)
    return image


def ensure_mounted(node: str = "cortex") -> Path:
    """Mount the node's HDD image (idempotent) and create the media tree on it."""
    image = ensure_image(node)
    root, target = mount_root(), mountpoint(node)
    target.mkdir(parents=True, exist_ok=True)
    if not is_mounted(root):
        run(["mount", "--bind", root, root], what="bind-mounting the lab mount root")
    run(["mount", "--make-rshared", root], what="making the lab mount root shared")
    if not is_mounted(target):
        run(["mount", "-o", "loop,noatime", image, target], what=f"mounting the {node} HDD image")
    for sub in TREE:
        (target / sub).mkdir(parents=True, exist_ok=True)
    return target


def unmount_all() -> list[str]:
    """Unmount every HDD and the mount root; returns what was unmounted."""
    done = []
    root = mount_root()
    if not root.exists():
        return done
    for target in sorted(root.glob("*/hdd")):
        if is_mounted(target):
            run(["umount", target], what=f"unmounting {target}")
            done.append(str(target))
    if is_mounted(root):
        run(["umount", root], what=f"unmounting {root}")
        done.append(str(root))
    if is_mounted(root):
        raise LabError(f"{root} is still mounted")
    return done
