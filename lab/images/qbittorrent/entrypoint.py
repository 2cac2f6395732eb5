#!/usr/bin/env python3
"""Start Debian's qbittorrent-nox the way the linuxserver image does, with the lab's adaptations.

Like linuxserver's init: config at ``$XDG_CONFIG_HOME/qBittorrent/qBittorrent.conf`` (/config), seeded on
first start from ``/defaults/qBittorrent.conf`` when the stack mounts one, and the listening port set from
``$TORRENTING_PORT`` at every start (qBittorrent 4.5 has no ``--torrenting-port``). Lab adaptations, also at
every start: the WebUI password from ``$QBT_PASSWORD`` (or ``_FILE``) as a PBKDF2 hash, and the bound
interface from ``$QBT_INTERFACE`` (the lab's tunnel is ``wg-gluetun``, production's ``tun0``).
The metrics exporter (TORR-04) is the stack's own service, qbittorrent-exporter, not part of this image.
"""

import base64
import hashlib
import os
import re
import sys
from pathlib import Path

CONFIG_HOME = Path(os.environ.setdefault("XDG_CONFIG_HOME", "/config"))
os.environ.setdefault("XDG_DATA_HOME", str(CONFIG_HOME))
os.environ.setdefault("HOME", str(CONFIG_HOME))
CONF = CONFIG_HOME / "qBittorrent" / "qBittorrent.conf"
DEFAULTS = Path("/defaults/qBittorrent.conf")
SEED = "[LegalNotice]\nAccepted=true\n\n[BitTorrent]\nSession\\DHTEnabled=false\n\n[Preferences]\n"


def password_hash(password: str) -> str:
    """qBittorrent's WebUI\\Password_PBKDF2 value: PBKDF2-HMAC-SHA512, 100000 rounds, 16-byte salt."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100_000)
    return f'"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(digest).decode()})"'


def secret(name: str) -> str:
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    return Path(path).read_text().strip() if path and Path(path).exists() else ""


def set_key(text: str, section: str, key: str, value: str) -> str:
    """Set ``key=value`` in ``[section]`` of an INI text, adding the section or the key as needed."""
    lines = text.splitlines()
    header = f"[{section}]"
    if header not in lines:
        return text.rstrip("\n") + f"\n\n{header}\n{key}={value}\n"
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if re.match(r"^\[.*\]$", lines[i])), len(lines))
    for i in range(start, end):
        if lines[i].split("=", 1)[0] == key:
            lines[i] = f"{key}={value}"
            return "\n".join(lines) + "\n"
    lines.insert(end if end == len(lines) or lines[end - 1].strip() else end - 1, f"{key}={value}")
    return "\n".join(lines) + "\n"


def main() -> None:
    if not CONF.exists():
        CONF.parent.mkdir(parents=True, exist_ok=True)
        CONF.write_text(DEFAULTS.read_text() if DEFAULTS.exists() else SEED)
        print(f"qbittorrent-entrypoint: seeded {CONF}", flush=True)
    text = CONF.read_text()
    text = set_key(text, "LegalNotice", "Accepted", "true")
    text = set_key(text, "BitTorrent", "Session\\Port", os.environ.get("TORRENTING_PORT", "6881"))
    iface = os.environ.get("QBT_INTERFACE")
    if iface:
        text = set_key(text, "BitTorrent", "Session\\Interface", iface)
        text = set_key(text, "BitTorrent", "Session\\InterfaceName", iface)
    webui_port = os.environ.get("WEBUI_PORT", "8080")
    text = set_key(text, "Preferences", "WebUI\\Port", webui_port)
    text = set_key(text, "Preferences", "WebUI\\Username", os.environ.get("QBT_USERNAME", "admin"))
    text = set_key(text, "Preferences", "WebUI\\HostHeaderValidation", "false")
    password = secret("QBT_PASSWORD")
    if password:
        text = set_key(text, "Preferences", "WebUI\\Password_PBKDF2", password_hash(password))
    CONF.write_text(text)
    argv = ["qbittorrent-nox", f"--webui-port={webui_port}"]
    os.execvp(argv[0], argv + sys.argv[1:])


if __name__ == "__main__":
    main()
