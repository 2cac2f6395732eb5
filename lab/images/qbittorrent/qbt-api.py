#!/usr/bin/env python3
"""The lab's hand on qBittorrent's WebUI API from inside its container (faults, lab setup): log in with the lab
password, then one call. ``qbt-api GET /api/v2/app/preferences`` prints the answer;
``qbt-api POST /api/v2/app/setPreferences 'json={"listen_port": 6881}'`` posts form fields (key=value);
``qbt-api POST /api/v2/torrents/add torrents=@/path/x.torrent savepath=/data/x`` uploads a file (multipart)."""

import http.cookiejar
import os
import sys
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

BASE = f"http://127.0.0.1:{os.environ.get('WEBUI_PORT', '8080')}"


def password() -> str:
    if os.environ.get("QBT_PASSWORD"):
        return os.environ["QBT_PASSWORD"]
    return Path(os.environ.get("QBT_PASSWORD_FILE", "/run/lab/qbittorrent_password")).read_text().strip()


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields:
        if value.startswith("@"):
            path = Path(value[1:])
            head = f'Content-Disposition: form-data; name="{key}"; filename="{path.name}"\r\n'
            head += "Content-Type: application/x-bittorrent\r\n\r\n"
            parts.append(f"--{boundary}\r\n{head}".encode() + path.read_bytes() + b"\r\n")
        else:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def main() -> int:
    method, path, *args = sys.argv[1:] or ["GET", "/api/v2/app/version"]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    opener.addheaders = [("Referer", BASE)]
    login = urllib.parse.urlencode({"username": os.environ.get("QBT_USERNAME", "admin"), "password": password()})
    if opener.open(f"{BASE}/api/v2/auth/login", login.encode(), timeout=10).read() != b"Ok.":
        print("qbt-api: login refused", file=sys.stderr)
        return 1
    fields = [tuple(a.split("=", 1)) for a in args]
    if method == "GET":
        query = urllib.parse.urlencode(fields)
        request = urllib.request.Request(f"{BASE}{path}" + (f"?{query}" if query else ""))
    elif any(v.startswith("@") for _, v in fields):
        body, ctype = multipart(fields)  # type: ignore[arg-type]
        request = urllib.request.Request(f"{BASE}{path}", body, {"Content-Type": ctype})
    else:
        request = urllib.request.Request(f"{BASE}{path}", urllib.parse.urlencode(fields).encode())
    try:
        with opener.open(request, timeout=30) as response:
            sys.stdout.buffer.write(response.read())
    except urllib.error.HTTPError as exc:
        print(f"qbt-api: {method} {path}: HTTP {exc.code} {exc.read().decode().strip()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
