"""INFRA-04: each stack has its own named bridge networks, its backend is internal, databases and caches sit on
internal networks only, and no service falls back to Compose's default network."""

import pytest

from orion.expect import At, expect_none, expect_that

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("INFRA-04")]

NETWORKS = {"cortex": {"frontend", "backend", "vpn"}, "synapse": {"frontend", "monitoring", "backend"}}
INTERNAL = "backend"
DATA_STORES = ("redis", "postgres", "mariadb", "mysql", "mongo", "db")


def _data_store(service) -> bool:
    image = (service.image or "").rsplit("/", 1)[-1]
    return any(hint in service.name or image.startswith(hint) for hint in DATA_STORES)


def _internal(stack, network: str) -> bool:
    return bool((stack.networks.get(network) or {}).get("internal"))


def test_the_stack_declares_its_isolated_networks(stack):
    missing = sorted(NETWORKS[stack.node] - set(stack.networks))
    expect_none(missing, "networks missing", where=stack.where("networks"))


def test_the_backend_network_is_internal(stack):
    expect_that(_internal(stack, INTERNAL), f"the {INTERNAL} network must be `internal: true`, with no route out",
                observed=stack.networks.get(INTERNAL), expected={"internal": True},
                where=stack.where("networks", INTERNAL))  # fmt: skip


def test_every_service_chooses_its_networks(stack):
    defaulted = [At(s.name, s.where()) for s in stack.services.values() if not s.networks and not s.network_mode]
    expect_none(defaulted, "on Compose's default network (declare networks:)")


def test_data_stores_sit_on_internal_networks_only(stack):
    exposed = [At(f"{s.name} on {n}", s.where("networks")) for s in stack.services.values() if _data_store(s)
               for n in s.networks or ["default"] if not _internal(stack, n)]  # fmt: skip
    expect_none(exposed, "databases and caches on a network that is not internal")
