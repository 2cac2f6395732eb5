"""The lab LAN: each node's LAN address lives on the ``orion-lan`` bridge, where its stack publishes.

On the Pis, cortex and synapse reach each other's published ports at their LAN addresses. In the lab both
stacks share one machine, so each node gets its own address on the lab_lan bridge (the bridge and its
addresses disappear with the network on ``down``).
"""

from __future__ import annotations

from orion.lab.errors import LabError
from orion.lab.proc import run
from orion.lab.render import LAN_IPS

NETWORK = "lab_lan"


def bridge_of(network: str) -> str:
    """The Linux bridge behind a Docker bridge network (its ``bridge.name`` option, else ``br-<id>``)."""
    proc = run(
        [
            "docker",
            "network",
            "inspect",
            "--format",
            '{{index .Options "com.docker.network.bridge.name"}} {{.Id}}',
            network,
        ],
        check=False,
    )
    if proc.returncode:
        raise LabError(f"network {network} is missing: deploy orion-lab first")
    fields = proc.stdout.split()
    return fields[0] if len(fields) == 2 else f"br-{fields[-1][:12]}"


def ensure_addresses() -> str:
    """Add every node's LAN address to the lab_lan bridge (idempotent)."""
    bridge = bridge_of(NETWORK)
    for ip in LAN_IPS.values():
        run(["ip", "address", "replace", f"{ip}/32", "dev", bridge], what=f"adding {ip} to {bridge}")
    return ", ".join(f"{node} {ip}" for node, ip in LAN_IPS.items())
