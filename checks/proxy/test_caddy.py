"""PROXY-01, PROXY-02: Caddy is the reverse proxy of *.jarvis-hub.tech, with a wildcard certificate obtained
through the Cloudflare DNS challenge by a Caddy built with the caddy-dns/cloudflare module."""

import pytest

from orion.expect import expect_that
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
    assert site is not None, f"the Caddyfile serves no {WILDCARD} site ({caddyfile.where(None)})"
    return site


@pytest.mark.req("PROXY-01")
def test_caddy_runs_the_caddyfile_of_the_repository(stack):
    caddy = stack.service("caddy")
    mounted = [(m.source, m.target) for m in mounts(caddy) if m.read_only]
    expect_that(CADDYFILE in mounted, f"Caddy must mount {CADDYFILE[0]} read-only at {CADDYFILE[1]}, the file the "
                f"gate checks ({caddy.where('volumes')})")  # fmt: skip


@pytest.mark.req("PROXY-01")
def test_caddy_serves_the_wildcard_domain(stack):
    caddyfile = Caddyfile.of(stack)
    _wildcard_site(caddyfile)
    outside = [f"{h} ({caddyfile.where(r.block.line)})" for r in caddyfile.routes() for h in r.hosts
               if not h.endswith(WILDCARD[1:])]  # fmt: skip
    expect_that(not outside, f"hosts routed outside {WILDCARD}: {'; '.join(outside)}")


@pytest.mark.req("PROXY-01")
def test_the_caddyfile_adapts(stack):
    """`caddy adapt` accepts the Caddyfile. Debian's caddy lacks the Cloudflare DNS module, so the gate adapts
    a copy whose `tls { dns cloudflare … }` block is swapped for `tls internal` (same line numbers)."""
    ran = validators.caddy_adapt(stack)
    expect_that(ran.ok, f"caddy cannot adapt the Caddyfile: {ran.summary()}")


@pytest.mark.req("PROXY-02")
def test_the_wildcard_certificate_uses_the_cloudflare_dns_challenge(stack):
    caddyfile = Caddyfile.of(stack)
    site = _wildcard_site(caddyfile)
    tls = [d for top in caddyfile.expand(site.body) for d in top.walk() if d.name == "tls"]
    site_dns = [child.args for t in tls for child in t.body if child.name == "dns"]
    options = caddyfile.global_options.body if caddyfile.global_options else []
    global_dns = [d.args for d in options if d.name == "acme_dns"]
    providers = {args[0] for args in site_dns + global_dns if args}
    expect_that("cloudflare" in providers, f"{WILDCARD} gets no certificate through the Cloudflare DNS challenge "
                f"({caddyfile.where(site.line)})")  # fmt: skip


@pytest.mark.req("PROXY-02")
def test_caddy_is_built_with_the_cloudflare_dns_module(stack):
    caddy = stack.service("caddy")
    build = caddy.get("build") or {}
    expect_that(bool(build.get("context")), f"Caddy is not built here, and stock images lack the DNS module "
                f"({caddy.where('build')})")  # fmt: skip
    dockerfile = Dockerfile.of(stack, build)
    builds = [i for i in dockerfile.runs() if "xcaddy build" in i.args and f"--with {DNS_MODULE}" in i.args]
    expect_that(bool(builds), f"the Caddy image is not built with {DNS_MODULE} ({dockerfile.where()})")


@pytest.mark.req("PROXY-02")
def test_caddy_gets_its_cloudflare_token_from_the_environment(stack):
    caddy = stack.service("caddy")
    token = str((caddy.raw.get("environment") or {}).get("CF_API_TOKEN", ""))
    expect_that(token.startswith("${"), "CF_API_TOKEN must come from the environment (.env), never from "
                f"compose.yml ({caddy.where('environment', 'CF_API_TOKEN')})")  # fmt: skip


@pytest.mark.req("PROXY-02")
def test_the_caddyfile_reads_the_token_from_the_environment(stack):
    caddyfile = Caddyfile.of(stack)
    inline = [f"dns {' '.join(d.args[:1])} … ({caddyfile.where(d.line)})" for d in caddyfile.directives("dns")
              if any(not a.startswith(("{env.", "{$")) for a in d.args[1:])]  # fmt: skip
    expect_that(not inline, f"a DNS provider token written in the Caddyfile (use {{env.CF_API_TOKEN}}): "
                f"{'; '.join(inline)}")  # fmt: skip
