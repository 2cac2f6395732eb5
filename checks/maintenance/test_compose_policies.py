"""MAINT-01, MAINT-04: every container's logs rotate, and every container restarts by itself and says when it is
unhealthy (a restart policy and a healthcheck)."""

import pytest

from orion.expect import At, expect_none

pytestmark = [pytest.mark.static, pytest.mark.daily]

RESTARTS = ("always", "unless-stopped", "on-failure")
SELF_ROTATING = ("local", "journald")  # drivers that rotate without options


def _rotates(service) -> bool:
    logging = service.get("logging") or {}
    options = logging.get("options") or {}
    return logging.get("driver") in SELF_ROTATING or {"max-size", "max-file"} <= set(options)


def _checks_health(service) -> bool:
    healthcheck = service.get("healthcheck") or {}
    return bool(healthcheck.get("test")) and not healthcheck.get("disable")


@pytest.mark.req("MAINT-01")
def test_every_container_log_rotates(stack):
    unbounded = [At(s.name, s.where("logging")) for s in stack.services.values() if not _rotates(s)]
    expect_none(unbounded, "container logs that grow without bound (json-file needs max-size and max-file)")


@pytest.mark.req("MAINT-04")
def test_every_container_restarts_by_itself(stack):
    never = [At(s.name, s.where("restart")) for s in stack.services.values()
             if str(s.get("restart", "no")).split(":")[0] not in RESTARTS]  # fmt: skip
    expect_none(never, f"no restart policy ({' | '.join(RESTARTS)})")


@pytest.mark.req("MAINT-04")
def test_every_container_has_a_healthcheck(stack):
    blind = [At(s.name, s.where()) for s in stack.services.values() if not _checks_health(s)]
    expect_none(blind, "no healthcheck, so a hung container is never restarted")
