"""The lab's keys and secrets: generated once under ``<state>/lab`` with mode 0600, never printed."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from orion.lab.paths import lab_state
from orion.lab.proc import run

#: name -> generator of a fresh value in the product's usual format.
SECRETS = {
    "radarr_api_key": lambda: secrets.token_hex(16),
    "sonarr_api_key": lambda: secrets.token_hex(16),
    "prowlarr_api_key": lambda: secrets.token_hex(16),
    "qbittorrent_password": lambda: secrets.token_urlsafe(18),
    "gluetun_api_key": lambda: secrets.token_urlsafe(24),
    "grafana_admin_password": lambda: secrets.token_urlsafe(18),
    "authelia_password": lambda: secrets.token_urlsafe(18),
    "authelia_totp_secret": lambda: base64.b32encode(secrets.token_bytes(20)).decode(),  # 32 base32 chars
    "telegram_bot_token": lambda: f"{secrets.randbelow(9 * 10**9) + 10**9}:AA{secrets.token_urlsafe(33)[:33]}",
    "uptime_kuma_api_key": lambda: f"uk1_{secrets.token_urlsafe(32)}",
    "pihole_password": lambda: secrets.token_urlsafe(18),
    "jellyfin_api_key": lambda: secrets.token_hex(16),
    "restic_password": lambda: secrets.token_urlsafe(24),
    "restic_offsite_password": lambda: secrets.token_urlsafe(24),
}


def _write_private(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value if value.endswith("\n") else value + "\n")
    os.chmod(path, 0o600)


def secrets_dir() -> Path:
    return lab_state() / "secrets"


def ensure_secrets() -> list[Path]:
    """Create each missing secret file (0600); existing ones are kept so running clients stay valid."""
    paths = []
    for name, make in SECRETS.items():
        path = secrets_dir() / name
        if not path.exists():
            _write_private(path, make())
        os.chmod(path, 0o600)
        paths.append(path)
    return paths


def ssh_key() -> Path:
    """The lab's Ed25519 key pair ``<state>/lab/ssh/id_ed25519`` (private 0600), created once."""
    key = lab_state() / "ssh" / "id_ed25519"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "orion-lab", "-f", key], what="ssh-keygen")
    os.chmod(key, 0o600)
    return key


def _wg_pair(folder: Path) -> str:
    """A WireGuard private key in ``folder/private_key`` (0600); returns its public key."""
    private = folder / "private_key"
    if not private.exists():
        _write_private(private, run(["wg", "genkey"], what="wg genkey").stdout.strip())
    return run(["wg", "pubkey"], input=private.read_bytes(), what="wg pubkey").stdout.strip()


def ensure_wireguard() -> Path:
    """Key pairs for the gateway and the VPN endpoint, each folder holding its peer's public key."""
    vpn = lab_state() / "vpn"
    gateway, endpoint = vpn / "gateway", vpn / "endpoint"
    gateway_pub, endpoint_pub = _wg_pair(gateway), _wg_pair(endpoint)
    (gateway / "peer_public_key").write_text(endpoint_pub + "\n")
    (endpoint / "peer_public_key").write_text(gateway_pub + "\n")
    return vpn
