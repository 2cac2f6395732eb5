"""PROXY-04: Authelia's configuration uses only keys Authelia 4.39 documents (none that 4.38+ replaced), denies
by default and keeps its secrets out of the file; Caddy calls its 4.38+ forward-auth endpoint."""

import pytest

from orion.expect import At, expect, expect_none, expect_that
from orion.probes.authelia import AutheliaConfig
from orion.probes.caddyfile import Caddyfile

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("PROXY-04")]


def test_authelia_uses_only_documented_keys(stack):
    unknown = [At(k.path, k.where) for k in AutheliaConfig.of(stack).unknown_keys()]
    expect_none(unknown, "keys Authelia 4.39 does not document")


def test_authelia_uses_the_4_38_keys(stack):
    old = [At(f"{k.path}, now {new}", k.where) for k, new in AutheliaConfig.of(stack).deprecated_keys()]
    expect_none(old, "Authelia keys that 4.38+ replaced")


def test_authelia_denies_by_default(stack):
    authelia = AutheliaConfig.of(stack)
    where = authelia.where("access_control", "default_policy")
    expect(authelia.default_policy, "deny", "Authelia's default policy", where=where)


def test_caddy_calls_authelias_4_38_forward_auth_endpoint(stack):
    caddyfile, paths = Caddyfile.of(stack), AutheliaConfig.of(stack).forward_auth_paths()
    calls = [(uri.args[0] if uri.args else "", caddyfile.where(uri.line)) for fa in caddyfile.directives("forward_auth")
             for uri in fa.body if uri.name == "uri"]  # fmt: skip
    endpoint = f"{' or '.join(sorted(paths))}, Authelia's ForwardAuth endpoint"
    expect_that(bool(calls), f"Caddy's forward_auth calls no uri, not {endpoint}", observed=calls, expected=endpoint,
                where=caddyfile.where(None))  # fmt: skip
    expect_none([At(path, where) for path, where in calls if path.split("?")[0] not in paths],
                f"Caddy's forward_auth must call {endpoint}")  # fmt: skip


def test_authelia_keeps_no_secret_in_its_file(stack):
    inline = [At(k.path, k.where) for k in AutheliaConfig.of(stack).inline_secrets()]
    expect_none(inline, "secrets written in Authelia's configuration (use *_FILE variables)")
