"""The egress guard: nothing on the lab's bridges may be forwarded out of this machine.

Docker NATs bridge traffic to the uplink. The lab's daemons (Prometheus probes, Alertmanager, DNS
forwarding) must only ever reach the lab, so traffic forwarded from a lab bridge jumps (``DOCKER-USER``,
comment ``orion-lab``) to the chain ``ORION-LAB-EGRESS``, which returns for Docker bridges (``br-*``,
``orion-*``, ``docker0``) and drops everything else. ``down`` removes exactly those rules and the chain.
"""

from __future__ import annotations

from orion.lab.proc import ok, run

COMMENT = "orion-lab"
CHAIN = "ORION-LAB-EGRESS"
BRIDGE_PATTERNS = ("br-+", "orion-+", "docker0")
PROJECTS = ("orion-lab", "cortex", "synapse")


def lab_bridges() -> list[str]:
    """Linux bridge names of the lab projects' bridge networks."""
    bridges = []
    for project in PROJECTS:
        ids = run(
            ["docker", "network", "ls", "-q", "--filter", f"label=com.docker.compose.project={project}"],
            what="docker network ls",
        ).stdout.split()
        for net in ids:
            info = run(
                [
                    "docker",
                    "network",
                    "inspect",
                    "--format",
                    '{{.Driver}} {{index .Options "com.docker.network.bridge.name"}} {{.Id}}',
                    net,
                ],
                what="docker network inspect",
            ).stdout.split()
            if info and info[0] == "bridge":
                bridges.append(info[1] if len(info) == 3 else f"br-{info[-1][:12]}")
    return sorted(set(bridges))


def _rule(bridge: str) -> list[str]:
    return ["DOCKER-USER", "-i", bridge, "-m", "comment", "--comment", COMMENT, "-j", CHAIN]


def _ensure_chain() -> None:
    if not ok(["iptables", "-n", "-L", "DOCKER-USER"]):
        run(["iptables", "-N", "DOCKER-USER"], what="iptables -N DOCKER-USER")
    if ok(["iptables", "-n", "-L", CHAIN]):
        return
    run(["iptables", "-N", CHAIN], what=f"iptables -N {CHAIN}")
    for pattern in BRIDGE_PATTERNS:
        run(["iptables", "-A", CHAIN, "-o", pattern, "-j", "RETURN"], what=f"{CHAIN} rule")
    run(["iptables", "-A", CHAIN, "-j", "DROP"], what=f"{CHAIN} drop rule")


def ensure_guard() -> int:
    """Send every lab bridge's forwarded traffic through the guard chain; returns how many are guarded."""
    _ensure_chain()
    bridges = lab_bridges()
    for bridge in bridges:
        if not ok(["iptables", "-C", *_rule(bridge)]):
            run(["iptables", "-I", *_rule(bridge)], what=f"egress guard for {bridge}")
    return len(bridges)


def remove_guard() -> int:
    """Delete the ``orion-lab`` jumps and the guard chain; returns how many jumps were removed."""
    listing = run(["iptables", "-S", "DOCKER-USER"], check=False).stdout.splitlines()
    removed = 0
    for line in listing:
        if f"--comment {COMMENT}" in line and line.startswith("-A DOCKER-USER"):
            run(["iptables", "-D", *line.split()[1:]], what="removing the egress guard")
            removed += 1
    if ok(["iptables", "-n", "-L", CHAIN]):
        run(["iptables", "-F", CHAIN], what=f"flushing {CHAIN}")
        run(["iptables", "-X", CHAIN], what=f"deleting {CHAIN}")
    return removed
