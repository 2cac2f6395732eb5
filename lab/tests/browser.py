"""A real headless browser for the lab's tests: log in through Authelia's two factors and open a page.

Debian's ``chromium-headless-shell`` (tools/bootstrap.sh), driven by Playwright: Playwright cannot download its own
browsers here, so it launches Debian's binary by path. Only the lab is contacted: every ``*.jarvis-hub.tech`` name
resolves to Caddy's address on the lab LAN, every other name to nothing, and any request to another host is
aborted. The lab's certificate comes from Caddy's ``tls internal`` CA, so HTTPS errors are ignored.

    from browser import lab_credentials, login_and_open
    landing = login_and_open("https://prometheus.jarvis-hub.tech/", **lab_credentials(), screenshot=path)
    assert landing.host == "prometheus.jarvis-hub.tech", landing.text

The form filled is the lab's Authelia stand-in portal (lab/standins/authelia.py), not Authelia's own React app.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, sync_playwright

from orion.lab.credentials import secrets_dir

#: The real binary: /usr/bin/chromium-headless-shell is a shell wrapper that does not exec, which would outlive
#: Playwright's kill of a hung browser.
CHROMIUM = Path("/usr/lib/chromium/chromium-headless-shell")
DOMAIN = "jarvis-hub.tech"
CADDY_LAN = "10.213.1.12"  # Caddy on the lab LAN (lab/compose.cortex.yml): a LAN client, as a person at home
PORTAL = f"auth.{DOMAIN}"


@dataclass(frozen=True)
class Landing:
    """Where the browser ended up: on the page asked for, or still on the portal (``text`` says why)."""

    url: str
    title: str
    text: str
    html: str
    seconds: float  # from launching the browser to the page loaded (and its screenshot taken)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


def totp(secret_b32: str, at: float | None = None) -> str:
    """The current RFC 6238 code (SHA1, 6 digits, 30 s), as the user's authenticator app shows it."""
    key = base64.b32decode(secret_b32.upper().replace(" ", "") + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


def lab_credentials(user: str = "orion") -> dict[str, str]:
    """The lab's Authelia user, password and TOTP secret (orion/lab/credentials.py), as keyword arguments."""

    def read(name: str) -> str:
        return (secrets_dir() / name).read_text().strip()

    return {"user": user, "password": read("authelia_password"), "totp_secret": read("authelia_totp_secret")}


def _in_lab(url: str) -> bool:
    host = urlsplit(url).hostname
    return host is None or host == DOMAIN or host.endswith(f".{DOMAIN}")


@contextmanager
def lab_page(timeout_s: float = 30.0) -> Iterator[Page]:
    """A fresh browser (no cookies) whose page reaches the lab's ``*.jarvis-hub.tech`` names and nothing else."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM}: apt-get install chromium-headless-shell (tools/bootstrap.sh does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[f"--host-resolver-rules=MAP *.{DOMAIN} {CADDY_LAN}, MAP * ~NOTFOUND"],
            timeout=timeout_s * 1000,
        )
        try:
            context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 800})
            context.set_default_timeout(timeout_s * 1000)
            context.route(lambda url: not _in_lab(url), _abort)
            yield context.new_page()
        finally:
            browser.close()


def _abort(route: Route) -> None:
    route.abort("blockedbyclient")


def login_and_open(
    url: str,
    *,
    user: str,
    password: str,
    totp_secret: str | None,
    screenshot: Path | None = None,
    timeout_s: float = 30.0,
) -> Landing:
    """Open ``url``; on Authelia's portal, sign in (user, password and, given ``totp_secret``, the current code)
    and follow it back; wait for the page to settle and take a full-page screenshot when asked.

    Without a second factor the browser stays on the portal: the landing's ``host`` is ``auth.<domain>``."""
    if not _in_lab(url):
        raise ValueError(f"{url}: the lab browser opens *.{DOMAIN} only")
    start = time.monotonic()
    target = urlsplit(url).hostname
    with lab_page(timeout_s) as page:
        page.goto(url)
        if urlsplit(page.url).hostname == PORTAL:
            page.fill("#username", user)
            page.fill("#password", password)
            if totp_secret:
                page.fill("#token", totp(totp_secret))
            page.click("#sign-in")
            _until_left_portal_or_told(page, target, time.monotonic() + timeout_s)
        page.wait_for_load_state("networkidle")
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshot, full_page=True)
        return Landing(page.url, page.title(), page.inner_text("body"), page.content(), time.monotonic() - start)


def _until_left_portal_or_told(page: Page, target: str | None, deadline: float) -> None:
    """Wait until the browser is on ``target`` or the portal says something ("logged in", or why not)."""
    while urlsplit(page.url).hostname != target and time.monotonic() < deadline:
        try:
            if page.evaluate("() => document.getElementById('status')?.textContent || ''"):
                return
        except PlaywrightError:  # the page is navigating away: its document is gone
            pass
        page.wait_for_timeout(100)
