"""Reading a namespace's firewall: is outbound traffic dropped by default (a killswitch)?"""

from __future__ import annotations

import json

#: Prints the nftables ruleset as JSON where nft exists (the lab's gateway, iptables-nft), else iptables-save.
RULESET_COMMAND = "if command -v nft >/dev/null 2>&1; then nft -j list ruleset; else iptables-save; fi"


def output_dropped(ruleset: str) -> bool:
    """True when some output hook (nftables) or the OUTPUT chain (iptables) drops by default."""
    return any(policy.endswith(" drop") for policy in output_policies(ruleset))


def output_policies(ruleset: str) -> list[str]:
    """The default policy of each output hook (nftables) or of filter's OUTPUT chain (iptables): ["inet
    gluetun/OUTPUT drop"]; none for a flushed ruleset. The evidence of the killswitch."""
    text = ruleset.strip()
    if text.startswith("{"):
        items = json.loads(text).get("nftables", [])
        chains = (item["chain"] for item in items if "chain" in item)
        return [f"{c.get('family')} {c.get('table')}/{c.get('name')} {_policy(items, c)}"
                for c in chains if c.get("hook") == "output"]  # fmt: skip
    table = None
    for line in text.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif table == "filter" and line.startswith(":OUTPUT "):
            return [f"iptables filter/OUTPUT {line.split()[1].lower()}"]
    return []


def _policy(items: list[dict], chain: dict) -> str:
    """The chain's policy, or "drop" when it ends in an unconditional drop or reject (a killswitch that rejects
    instead of dropping by policy): nothing falls through to its policy then."""
    rules = [i["rule"] for i in items if "rule" in i and (i["rule"].get("family"), i["rule"].get("table"),
             i["rule"].get("chain")) == (chain.get("family"), chain.get("table"), chain.get("name"))]  # fmt: skip
    verdicts = [next(iter(e)) for e in rules[-1].get("expr", []) if isinstance(e, dict)] if rules else []
    final = [v for v in verdicts if v != "counter"]
    return "drop" if final in (["drop"], ["reject"]) else str(chain.get("policy", "accept")).lower()
