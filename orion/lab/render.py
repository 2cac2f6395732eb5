"""Files the lab derives from ``stacks/``, ``lab/`` and its own state: compose env files, the lab Caddyfile, the
Alertmanager copy, and the lab's inventory (rendered from the template lab/inventory.yml)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from orion import PROJECT_ROOT, state
from orion.lab import hdd
from orion.lab.credentials import secrets_dir
from orion.lab.errors import LabError
from orion.lab.paths import LAB_SRC, STACKS, lab_state

#: Each node's LAN address: on the lab_lan bridge, where its stack publishes its LAN ports (see lan.py).
LAN_IPS = {"cortex": "10.213.1.2", "synapse": "10.213.1.3"}
TELEGRAM_CHAT_ID = "-1001234567890"
TELEGRAM_API_URL = "http://telegram:8081"
#: The template of the lab's inventory, and the token in it that stands for ``<state>/lab``.
INVENTORY_TEMPLATE = LAB_SRC / "inventory.yml"
LAB_STATE_TOKEN = "$ORION_LAB_STATE"
TLS_DNS = re.compile(r"tls\s*\{\s*dns\s+cloudflare\s+\{env\.CF_API_TOKEN\}\s*\}", re.MULTILINE)


def _secret(name: str) -> str:
    return (secrets_dir() / name).read_text().strip()


def env_values(project: str) -> dict[str, str]:
    """The interpolation variables a stack's compose file requires, with the lab's values."""
    lab = lab_state()
    common = {
        "ORION_LAB_STATE": str(lab),
        "TZ": "UTC",
        "PUID": "0",
        "PGID": "0",
        "LAN_IP": LAN_IPS[project],
        "GLUETUN_CONTROL_APIKEY": _secret("gluetun_api_key"),
        "APPDATA_PATH": str(lab / "appdata" / project),
        "TEXTFILE_DIR": str(lab / "textfile" / project),
    }
    if project == "cortex":
        return {
            **common,
            "SYNAPSE_LAN_IP": LAN_IPS["synapse"],
            "CF_API_TOKEN": "lab-unused",
            "ACME_EMAIL": "lab@jarvis-hub.tech",
            "HDD_PATH": str(hdd.mountpoint("cortex")),
            "WIREGUARD_ADDRESSES": "10.99.0.2/32",
            "QBT_TORRENTING_PORT": "51413",
        }
    return {
        **common,
        "CORTEX_LAN_IP": LAN_IPS["cortex"],
        "TELEGRAM_CHAT_ID": TELEGRAM_CHAT_ID,
        # synapse mounts cortex's HDD over NFS: in the lab, the same host mount.
        "HDD_PATH": str(hdd.mountpoint("cortex")),
        "RESTIC_REPO_PATH": str(hdd.mountpoint("cortex") / "backups" / "restic"),
        "ORION_REPO_PATH": str(PROJECT_ROOT),
        "DOCKER_GID": "0",
        "ORION_INVENTORY_FILE": str(state.lab_inventory()),
    }


def write_env(project: str) -> Path:
    """``<state>/lab/<project>.env`` (0600: it holds the Gluetun API key the stack interpolates)."""
    path = lab_state() / f"{project}.env"
    values = env_values(project)
    for key in ("APPDATA_PATH", "TEXTFILE_DIR"):
        Path(values[key]).mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{key}={value}\n" for key, value in values.items())
    return path


def write_caddyfile() -> Path:
    """The stack's Caddyfile with its Cloudflare DNS-01 block swapped for ``tls internal``."""
    source = STACKS / "cortex" / "caddy" / "Caddyfile"
    if not source.exists():
        raise LabError(f"{source} is missing: the lab renders its Caddyfile from it")
    text, count = TLS_DNS.subn("tls internal", source.read_text())
    if count == 0:
        raise LabError(f"{source}: no `tls {{ dns cloudflare {{env.CF_API_TOKEN}} }}` block to swap")
    target = lab_state() / "render" / "cortex" / "Caddyfile"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def write_alertmanager() -> Path:
    """A copy of the stack's alertmanager/ with every Telegram receiver sent to the lab's telegram-standin."""
    source = STACKS / "synapse" / "alertmanager"
    if not (source / "alertmanager.yml").exists():
        raise LabError(f"{source / 'alertmanager.yml'} is missing: the lab renders its copy from it")
    target = lab_state() / "render" / "synapse" / "alertmanager"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    lines = []
    for line in (source / "alertmanager.yml").read_text().splitlines():
        lines.append(line)
        match = re.match(r"^(\s*)- bot_token(_file)?:", line)
        if match:
            lines.append(f"{match[1]}  api_url: {TELEGRAM_API_URL}")
    (target / "alertmanager.yml").write_text("\n".join(lines) + "\n")
    return target


def write_inventory() -> Path:
    """``<state>/lab/inventory.yml``: the template with ``$ORION_LAB_STATE`` replaced by this lab's state dir.

    Orion's inventory resolution picks this file (orion.state.lab_inventory), and provisioning runs against it.
    """
    if not INVENTORY_TEMPLATE.exists():
        raise LabError(f"{INVENTORY_TEMPLATE} is missing: the lab renders its inventory from it")
    text = INVENTORY_TEMPLATE.read_text()
    if LAB_STATE_TOKEN not in text:
        raise LabError(f"{INVENTORY_TEMPLATE}: no {LAB_STATE_TOKEN} to replace (the lab's key and secret paths)")
    target = state.lab_inventory()
    if target.parent != lab_state():
        raise LabError(f"{target} is not under the lab state dir {lab_state()}")
    body = text[text.index("\nall:") + 1 :] if text.startswith("#") and "\nall:" in text else text
    header = (
        f"# Rendered by `orion lab up` from {INVENTORY_TEMPLATE} for the lab in {lab_state()}:\n"
        f"# edit the template, not this file (the next `orion lab up` overwrites it).\n"
    )
    target.write_text(header + body.replace(LAB_STATE_TOKEN, str(lab_state())))
    return target
