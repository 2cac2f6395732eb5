"""The plugin's command-line options: one group, one prefix (`--orion-*`), with short aliases."""

from __future__ import annotations

import pytest

from orion import tree
from orion.errors import ConfigError


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("orion", "Orion homelab conformance")
    group.addoption(
        "--orion-inventory",
        "--inventory",
        dest="orion_inventory",
        metavar="PATH",
        help="inventory file (default: $ORION_INVENTORY, /etc/orion/inventory.yml, lab/inventory.yml)",
    )
    group.addoption(
        "--orion-state-dir",
        "--state-dir",
        dest="orion_state_dir",
        metavar="DIR",
        help="state directory (default: $ORION_STATE_DIR, /var/lib/orion, ~/.local/state/orion)",
    )
    group.addoption(
        "--orion-node", dest="orion_node", choices=("cortex", "synapse"), help="only the checks of this node"
    )
    group.addoption(
        "--orion-offline",
        dest="orion_offline",
        action="store_true",
        help="no inventory and no network: only static checks run (the gate)",
    )
    group.addoption(
        "--orion-req", "--req", dest="orion_req", action="append", metavar="ID",
        help="only the checks of this requirement (repeatable)",
    )  # fmt: skip
    group.addoption("--orion-tracebacks", dest="orion_tracebacks", action="store_true",
                    help="keep full tracebacks for checks that could not observe")  # fmt: skip
    group.addoption("--orion-repo", "--repo", dest="orion_repo", metavar="DIR",
                    help="the checkout whose stacks/ and provisioning/ are judged (default: the current directory's "
                    "git top level, or nearest parent, holding stacks/; else Orion's own tree)")  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Choose the judged tree (orion.tree) before anything reads stacks/ or provisioning/."""
    try:
        tree.use(tree.find(config.option.orion_repo))
    except ConfigError as exc:
        raise pytest.UsageError(f"orion: {exc}") from None
