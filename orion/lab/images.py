"""Build the lab images: a debootstrapped Debian base, then `orion-lab/<name>:1` per `lab/images/<name>`."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from orion.lab.errors import LabError
from orion.lab.paths import LAB_SRC, lab_state
from orion.lab.proc import ok, run, tail

BASE = "orion-lab/base:bookworm"
#: The Debian suite of each base an image may start FROM. sid carries what bookworm lacks (llama.cpp for the llm
#: image); its Release file may be past its Valid-Until between mirror pushes, so apt there does not check it.
BASES = {BASE: "bookworm", "orion-lab/base:sid": "sid"}
_SID_APT_CONF = 'Acquire::Check-Valid-Until "false";\n'
MIRROR = "http://deb.debian.org/debian"
TAG = "1"
HASH_LABEL = "orion.lab.context-hash"
IMAGES_DIR = LAB_SRC / "images"
#: An image's optional build step run on the lab machine before ``docker build`` (``fetch.py CONTEXT``).
FETCH = "fetch.py"

# Written into the base before import: no recommends, no docs, so each apt layer stays small and quick.
_APT_CONF = 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n'
_DPKG_EXCLUDES = (
    "path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n"
    "path-exclude=/usr/share/locale/*\npath-include=/usr/share/locale/locale.alias\n"
)


def image_exists(ref: str) -> bool:
    """True when ``ref`` is in the local image store."""
    return ok(["docker", "image", "inspect", ref], timeout=30)


def ensure_base(ref: str = BASE) -> str:
    """Debootstrap the base's suite (minbase) and ``docker import`` it, unless the base image exists."""
    if image_exists(ref):
        return f"{ref} cached"
    if os.geteuid() != 0:
        raise LabError("building the base image needs root (debootstrap)")
    suite = BASES[ref]
    with tempfile.TemporaryDirectory(dir=lab_state(), prefix="rootfs-") as tmp:
        root = Path(tmp) / "root"
        run(
            ["debootstrap", "--variant=minbase", suite, root, MIRROR],
            what=f"debootstrap {suite}",
            timeout=900,
        )
        (root / "etc/apt/apt.conf.d/90orion-lab").write_text(_APT_CONF + (_SID_APT_CONF if suite == "sid" else ""))
        (root / "etc/dpkg/dpkg.cfg.d/90orion-lab-nodoc").write_text(_DPKG_EXCLUDES)
        # No init system runs at build time: keep package scripts from starting daemons in a layer.
        policy = root / "usr/sbin/policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        run(["chroot", root, "apt-get", "clean"], what="apt-get clean in the base")
        for cache in (root / "var/lib/apt/lists").glob("*_*"):
            cache.unlink()
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(
            [
                "docker",
                "import",
                "--change",
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--change",
                "ENV DEBIAN_FRONTEND=noninteractive",
                "--change",
                'CMD ["/bin/bash"]',
                "-",
                ref,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
        )
        if tar.stdout:
            tar.stdout.close()
        tar.wait()
        if imp.returncode or tar.returncode:
            raise LabError(f"docker import of the base failed: {tail(imp.stderr)}")
    return f"{ref} built"


def base_of(name: str) -> str:
    """The base ``lab/images/<name>/Dockerfile`` starts FROM (one of :data:`BASES`)."""
    dockerfile = IMAGES_DIR / name / "Dockerfile"
    match = re.search(r"^FROM\s+(\S+)", dockerfile.read_text(), re.MULTILINE)
    if not match or match[1] not in BASES:
        raise LabError(f"{dockerfile}: FROM must be one of {', '.join(BASES)}")
    return match[1]


def image_names() -> list[str]:
    """The images under ``lab/images/`` (one folder with a Dockerfile each)."""
    return sorted(p.parent.name for p in IMAGES_DIR.glob("*/Dockerfile"))


def _extra_paths(name: str) -> list[Path]:
    """Lab paths listed in ``lab/images/<name>/context.txt``, copied into the build context."""
    listing = IMAGES_DIR / name / "context.txt"
    if not listing.exists():
        return []
    paths = []
    for line in listing.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            path = LAB_SRC / line
            if not path.exists():
                raise LabError(f"{listing}: {line} does not exist under {LAB_SRC}")
            paths.append(path)
    return paths


def _assemble(name: str, dest: Path) -> None:
    shutil.copytree(IMAGES_DIR / name, dest, dirs_exist_ok=True)
    for extra in _extra_paths(name):
        target = dest / extra.relative_to(LAB_SRC)
        if extra.is_dir():
            shutil.copytree(extra, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(extra, target)


def context_hash(context: Path, base_id: str) -> str:
    """sha256 over the base image id and every file's path, mode and content in ``context``."""
    digest = hashlib.sha256(base_id.encode())
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(context)).encode())
        digest.update(oct(path.stat().st_mode & 0o777).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _inspect(ref: str, fmt: str) -> str | None:
    proc = run(["docker", "image", "inspect", "--format", fmt, ref], check=False, timeout=30)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_image(name: str) -> str:
    """Build ``orion-lab/<name>:1`` unless its label already carries the current context hash."""
    ref = f"orion-lab/{name}:{TAG}"
    base = base_of(name)
    base_id = _inspect(base, "{{.Id}}")
    if base_id is None:
        raise LabError(f"{base} is missing: build the base first")
    with tempfile.TemporaryDirectory(prefix=f"orion-lab-{name}-") as tmp:
        context = Path(tmp)
        _assemble(name, context)
        wanted = context_hash(context, base_id)
        if _inspect(ref, f'{{{{index .Config.Labels "{HASH_LABEL}"}}}}') == wanted:
            return f"{ref} up to date"
        log = lab_state() / f"build-{name}.log"
        # What the build needs from the internet through the lab machine's own pip (its proxy and CA settings),
        # fetched into the context after hashing: the hash covers the pinned list, not the downloaded bytes.
        fetch = context / FETCH
        if fetch.exists():
            run([sys.executable, fetch, context], what=f"fetching for {ref}", timeout=1200)
        proc = run(
            ["docker", "build", "--network", "host", "--label", f"{HASH_LABEL}={wanted}", "-t", ref, context],
            check=False,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
            timeout=1200,
        )
        log.write_text(proc.stdout + proc.stderr)
        if proc.returncode:
            lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "BuildKit" not in ln]
            raise LabError(f"building {ref} failed: {tail(chr(10).join(lines))} (full log {log})")
    return f"{ref} built"


def ensure_images(progress: Callable[[str], None] | None = None) -> list[str]:
    """The base, then every lab image, in name order; returns one line per image."""
    lines = []
    for base in sorted({base_of(name) for name in image_names()} | {BASE}):
        lines.append(ensure_base(base))
        if progress:
            progress(lines[-1])
    for name in image_names():
        lines.append(ensure_image(name))
        if progress:
            progress(lines[-1])
    return lines
