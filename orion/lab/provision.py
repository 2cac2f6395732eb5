"""``orion lab provision``: apply provisioning/site.yml to the lab's host containers over SSH.

The lab inventory (``<state>/lab/inventory.yml``, rendered by ``orion lab up`` from the template lab/inventory.yml)
is an Ansible inventory as it is: ``ansible-playbook -i "$(orion lab inventory)" provisioning/site.yml`` reaches
orion-cortex and orion-synapse on 127.0.0.1:2201/2202 as ``orion``.
The one value the lab supplies on top is the UUID of its HDD image (the Pis take it from the inventory).
The result counts the changed tasks from the PLAY RECAP: a second run must report 0.

Usage without the lab CLI: ``python3 -m orion.lab.provision [--check] [--inventory PATH]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from orion import PROJECT_ROOT, state
from orion.lab.errors import LabError
from orion.lab.paths import lab_state

PROVISIONING = PROJECT_ROOT / "provisioning"
PLAYBOOK = PROVISIONING / "site.yml"
TIMEOUT_S = 1200
_RECAP = re.compile(r"^(?P<host>\S+)\s*:\s*(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass(frozen=True)
class Result:
    """One ansible-playbook run: its exit status, the PLAY RECAP per host, and where the full log is."""

    rc: int
    recap: dict[str, dict[str, int]]
    duration_s: float
    log: Path
    check: bool = False
    failed_tasks: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(counts.get("changed", 0) for counts in self.recap.values())

    @property
    def ok(self) -> bool:
        bad = sum(counts.get(k, 0) for counts in self.recap.values() for k in ("failed", "unreachable"))
        return self.rc == 0 and bool(self.recap) and bad == 0

    def summary(self) -> str:
        per_host = ", ".join(f"{host} {counts.get('changed', 0)}" for host, counts in sorted(self.recap.items()))
        mode = " (check mode)" if self.check else ""
        verdict = "ok" if self.ok else f"FAILED (exit {self.rc})"
        return f"{verdict}{mode}: {self.changed} changed tasks ({per_host}) in {self.duration_s:.1f} s; log {self.log}"


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP of ansible-playbook's output: {host: {"ok": 12, "changed": 0, ...}}."""
    recap: dict[str, dict[str, int]] = {}
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("PLAY RECAP")]
    for line in lines[starts[-1] + 1 :] if starts else []:
        match = _RECAP.match(line.strip())
        if match:
            pairs = (item.split("=") for item in match["counts"].split())
            recap[match["host"]] = {key: int(value) for key, value in pairs}
    return recap


def _failed_tasks(output: str) -> list[str]:
    """The first line of each failure (`fatal: [host]: FAILED! => ...`), for a one-line error."""
    return [line.strip()[:300] for line in output.splitlines() if line.startswith(("fatal:", "failed:"))]


def ansible_playbook() -> str:
    """The ansible-playbook next to this Python (the venv), else on the PATH."""
    beside = Path(sys.executable).with_name("ansible-playbook")
    if beside.exists():
        return str(beside)
    found = shutil.which("ansible-playbook")
    if found is None:
        raise LabError("ansible-playbook is not installed: run `make deps` (ansible-core from PyPI)")
    return found


def lab_vars(lab: Path) -> dict[str, str]:
    """What the lab adds to its inventory: the UUID of the cortex HDD image (blkid), when the image exists."""
    image = lab / "hdd" / "cortex.img"
    if not image.exists():
        return {}
    proc = subprocess.run(["blkid", "-o", "value", "-s", "UUID", str(image)], capture_output=True, text=True)
    uuid = proc.stdout.strip()
    return {"storage_hdd_uuid": uuid} if proc.returncode == 0 and uuid else {}


def fingerprint() -> str:
    """What a provisioning run depends on: the provisioning/ tree and the host containers it ran against."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PROVISIONING.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(PROVISIONING)).encode() + b"\0" + path.read_bytes())
    ids = subprocess.run(
        ["docker", "ps", "-q", "--no-trunc", "--filter", "label=com.docker.compose.project=orion-lab"],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    return json.dumps({"provisioning": digest.hexdigest(), "containers": sorted(ids)})


def provision(
    inventory_path: Path | str | None = None,
    *,
    check: bool = False,
    extra_args: list[str] | None = None,
) -> Result:
    """Run site.yml against the inventory's hosts (default: the lab's rendered inventory); the full output goes to
    ``<state>/lab/provision.log``."""
    inventory_path = Path(inventory_path) if inventory_path else state.lab_inventory()
    if not inventory_path.exists():
        raise LabError(f"{inventory_path}: no such inventory (`orion lab up` renders the lab's)")
    lab = lab_state()
    log = lab / "provision.log"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(PROVISIONING / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": str(lab / "ansible-tmp"),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=lab, delete=False) as extra:
        json.dump(lab_vars(lab), extra)
    argv = [ansible_playbook(), "-i", str(inventory_path), str(PLAYBOOK), "-e", f"@{extra.name}"]
    argv += ["--check", "--diff"] if check else []
    argv += extra_args or []
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=PROVISIONING, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"ansible-playbook timed out after {TIMEOUT_S} s (see {log})") from exc
    finally:
        Path(extra.name).unlink(missing_ok=True)
    took = time.monotonic() - start
    output = proc.stdout + proc.stderr
    log.write_text(f"$ {' '.join(argv)}\n{output}")
    return Result(proc.returncode, parse_recap(proc.stdout), took, log, check, _failed_tasks(proc.stdout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m orion.lab.provision", description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", help="default: the lab's, <state>/lab/inventory.yml (`orion lab up` renders it)")
    parser.add_argument("--check", action="store_true", help="dry run (ansible-playbook --check --diff)")
    args = parser.parse_args(argv)
    try:
        result = provision(args.inventory, check=args.check)
    except LabError as exc:
        print(f"orion lab provision: error: {exc}", file=sys.stderr)
        return 1
    print(f"orion lab provision: {result.summary()}")
    for line in result.failed_tasks[:5]:
        print(f"  {line}", file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
