"""PROXY-04, live: Authelia answers its health endpoint, and the exposed services demand two factors: a session
that passed the first factor only (the inventory's Authelia user) is still turned away on each public host of the
tunnel, through the live Caddy, while Authelia confirms that the session is valid at level 1 (`/api/state`)."""

import pytest

from orion.expect import expect, expect_none, expect_that
from orion.outcomes import CannotObserve
from orion.probes.exposure import PUBLIC
from orion.probes.forwardauth import protected, turned_away, what_was_served

pytestmark = [pytest.mark.req("PROXY-04"), pytest.mark.live]

COOKIE = "authelia_session"


@pytest.mark.critical
def test_authelia_answers_its_health_endpoint(http):
    health = http("authelia").get("/api/health")
    expect((health.status_code, (health.json() or {}).get("status")), (200, "OK"), "Authelia is not healthy")


@pytest.mark.daily  # it opens a session in Authelia: once a day, not every 5 minutes
def test_one_factor_is_not_enough_for_the_exposed_services(http):
    authelia, caddy, portals = http("authelia"), http("caddy"), protected().portals
    service = authelia.service
    if not service.username or service.password is None:
        raise CannotObserve("authelia: the inventory gives no username/password for a first-factor login")
    login = authelia.request("POST", "/api/firstfactor", auth_expected=False,
                             json={"username": service.username, "password": service.password.reveal(),
                                   "keepMeLoggedIn": False})  # fmt: skip
    session = login.cookies.get(COOKIE)
    if login.status_code != 200 or not session:
        raise CannotObserve(f"authelia: the first-factor login was refused ({login.status_code})")
    cookie = {"Cookie": f"{COOKIE}={session}"}
    level = ((authelia.json("/api/state", headers=cookie).get("data")) or {}).get("authentication_level")
    expect_that(level == 1, "Authelia does not hold the first-factor session at level 1",
                observed=level, expected=1)  # fmt: skip
    served = {}
    for host in sorted(PUBLIC):
        response = caddy.get("/", headers={"Host": host, "Accept": "text/html", **cookie},
                             extensions={"sni_hostname": host}, auth_expected=False)  # fmt: skip
        if not turned_away(response, portals):
            served[host] = what_was_served(response)
    expect_none(served, "exposed hosts served to a session with one factor only (two are required)")
