"""SEC-06: every host Caddy proxies goes through Authelia's forward_auth, except the bypasses declared in the
Caddyfile's one `(auth_bypass)` snippet, and Authelia asks a second factor for each of them."""

import pytest

from orion.expect import At, expect_none
from orion.probes.authelia import STRICT, AutheliaConfig
from orion.probes.caddyfile import Caddyfile
from orion.probes.forwardauth import BYPASS_SNIPPET

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("SEC-06")]


def test_every_proxied_host_is_behind_forward_auth(stack):
    caddyfile = Caddyfile.of(stack)
    bare = [At(", ".join(r.hosts), caddyfile.where(r.block.line)) for r in caddyfile.routes()
            if r.uses("reverse_proxy") and not r.uses("forward_auth") and r.snippet != BYPASS_SNIPPET]  # fmt: skip
    expect_none(bare, f"proxied without forward_auth (bypasses belong in ({BYPASS_SNIPPET}) only)")


def test_authelia_asks_two_factors_for_every_proxied_host(stack):
    caddyfile, authelia = Caddyfile.of(stack), AutheliaConfig.of(stack)
    weak = [At(f"{host}: {p.policy}", p.where) for r in caddyfile.routes() if r.uses("forward_auth")
            for host in r.hosts for p in authelia.policies_for(host) if p.policy not in STRICT]  # fmt: skip
    expect_none(weak, "Authelia lets hosts through without two factors")
