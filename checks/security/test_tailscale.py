"""SEC-03: Tailscale runs on both Pis and is logged in to the tailnet. Read from `tailscale status --json`."""

import pytest

from orion.expect import expect

pytestmark = [pytest.mark.req("SEC-03"), pytest.mark.critical, pytest.mark.live]


def test_tailscale_is_running_and_logged_in(tailscale):
    state = (tailscale or {}).get("BackendState", "tailscaled not running or not installed")
    expect(state, "Running", "Tailscale is not connected to the tailnet: no remote access path")
