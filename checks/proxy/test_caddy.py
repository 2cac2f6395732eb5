"""PROXY-01, PROXY-02: Caddy is the reverse proxy of *.jarvis-hub.tech, with a wildcard certificate obtained
through the Cloudflare DNS challenge by a Caddy built with the caddy-dns/cloudflare module."""

import pytest

from orion.expect import At, expect_contains, expect_none, expect_success, expect_that
from orion.probes import validators
from orion.probes.caddyfile import Caddyfile
from orion.probes.composespec import mounts
from orion.probes.dockerfile import Dockerfile

pytestmark = [pytest.mark.static, pytest.mark.daily]

WILDCARD = "*.jarvis-hub.tech"
DNS_MODULE = "github.com/caddy-dns/cloudflare"
CADDYFILE = ("./caddy/Caddyfile", "/etc/caddy/Caddyfile")


def _wildcard_site(caddyfile: Caddyfile):
    __tracebackhide__ = True
    site = next((s for s in caddyfile.sites if WILDCARD in [s.name, *s.args]), None)
    expect_that(site is not None, f"the Caddyfile serves no {WILDCARD} site", expected=f"a {WILDCARD} site",
                observed=[s.name for s in caddyfile.sites], where=caddyfile.where(None))  # fmt: skip
    return site


@pytest.mark.req("PROXY-01")
def test_caddy_runs_the_caddyfile_of_the_repository(stack):
    caddy = stack.service("caddy")
    mounted = [(m.source, m.target) for m in mounts(caddy) if m.read_only]
    expect_contains(mounted, CADDYFILE, f"Caddy must mount {CADDYFILE[0]} read-only at {CADDYFILE[1]}, the file the "
                    "gate checks", where=caddy.where("volumes"))  # fmt: skip


@pytest.mark.req("PROXY-01")
def test_caddy_serves_the_wildcard_domain(stack):
    caddyfile = Caddyfile.of(stack)
    _wildcard_site(caddyfile)
    outside = [At(h, caddyfile.where(r.block.line)) for r in caddyfile.routes() for h in r.hosts
               if not h.endswith(WILDCARD[1:])]  # fmt: skip
    expect_none(outside, f"hosts routed outside {WILDCARD}")


@pytest.mark.req("PROXY-01")
def test_the_caddyfile_adapts(stack):
    """`caddy adapt` accepts the Caddyfile. Debian's caddy lacks the Cloudflare DNS module, so the gate adapts
    a copy whose `tls { dns cloudflare … }` block is swapped for `tls internal` (same line numbers)."""
    ran = validators.caddy_adapt(stack)
    expect_success(ran, "caddy cannot adapt the Caddyfile")


@pytest.mark.req("PROXY-02")
def test_the_wildcard_certificate_uses_the_cloudflare_dns_challenge(stack):
    caddyfile = Caddyfile.of(stack)
    site = _wildcard_site(caddyfile)
    tls = [d for top in caddyfile.expand(site.body) for d in top.walk() if d.name == "tls"]
    site_dns = [child.args for t in tls for child in t.body if child.name == "dns"]
    options = caddyfile.global_options.body if caddyfile.global_options else []
    global_dns = [d.args for d in options if d.name == "acme_dns"]
    providers = {args[0] for args in site_dns + global_dns if args}
    expect_contains(providers, "cloudflare", f"{WILDCARD} gets no certificate through the Cloudflare DNS challenge",
                    where=caddyfile.where(site.line))  # fmt: skip


@pytest.mark.req("PROXY-02")
def test_caddy_is_built_with_the_cloudflare_dns_module(stack):
    caddy = stack.service("caddy")
    build = caddy.get("build") or {}
    expect_that(bool(build.get("context")), "Caddy is not built here, and stock images lack the DNS module",
                observed=build, expected={"context": "./caddy"}, where=caddy.where("build"))  # fmt: skip
    dockerfile = Dockerfile.of(stack, build)
    builds = [i.args for i in dockerfile.runs() if "xcaddy build" in i.args]
    expect_that(any(f"--with {DNS_MODULE}" in b for b in builds), f"the Caddy image is not built with {DNS_MODULE}",
                observed=builds, expected=f"xcaddy build … --with {DNS_MODULE}", where=dockerfile.where())  # fmt: skip


@pytest.mark.req("PROXY-02")
def test_caddy_gets_its_cloudflare_token_from_the_environment(stack):
    caddy = stack.service("caddy")
    token = str((caddy.raw.get("environment") or {}).get("CF_API_TOKEN", ""))
    shown = token if token.startswith("${") else "(a literal value, not shown)"
    where = caddy.where("environment", "CF_API_TOKEN")
    expect_that(token.startswith("${"), "CF_API_TOKEN must come from the environment (.env), never from compose.yml",
                observed=shown, expected="${CF_API_TOKEN}", where=where)  # fmt: skip


@pytest.mark.req("PROXY-02")
def test_the_caddyfile_reads_the_token_from_the_environment(stack):
    caddyfile = Caddyfile.of(stack)
    inline = [At(f"dns {' '.join(d.args[:1])} …", caddyfile.where(d.line)) for d in caddyfile.directives("dns")
              if any(not a.startswith(("{env.", "{$")) for a in d.args[1:])]  # fmt: skip
    expect_none(inline, "a DNS provider token written in the Caddyfile (use {env.CF_API_TOKEN})")
