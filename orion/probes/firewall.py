"""Reading a namespace's firewall: is outbound traffic dropped by default (a killswitch)?"""

from __future__ import annotations

import json

#: Prints the nftables ruleset as JSON where nft exists (the lab's gateway, iptables-nft), else iptables-save.
RULESET_COMMAND = "if command -v nft >/dev/null 2>&1; then nft -j list ruleset; else iptables-save; fi"


def output_dropped(ruleset: str) -> bool:
    """True when some output hook (nftables) or the OUTPUT chain (iptables) drops by default."""
    text = ruleset.strip()
    if text.startswith("{"):
        items = json.loads(text).get("nftables", [])
        chains = (item["chain"] for item in items if "chain" in item)
        return any(c.get("hook") == "output" and c.get("policy") == "drop" for c in chains)
    table = None
    for line in text.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif table == "filter" and line.startswith(":OUTPUT "):
            return line.split()[1] == "DROP"
    return False
