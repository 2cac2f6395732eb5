"""Reading a namespace's firewall: is new traffic out of the WAN interface dropped, except through the tunnel, to
the VPN endpoint and to private subnets (a killswitch)? The same verdict for iptables and nftables rulesets.

Gluetun (v3.41) writes its rules with the first of `iptables`, `iptables-nft`, `iptables-legacy` that works
(internal/firewall/firewall.go, support.go): on its Alpine image `iptables` is the nf_tables variant, legacy is
the fallback for kernels without nf_tables. Docker writes its embedded-DNS rules into the same namespace with the
host's variant, which may be the other one. So the probe dumps every variant present, plus `nft -j list ruleset`
where nft exists (the lab's gateway; Gluetun's nftables backend, PR #3157, is not released in v3.41), and finds
Gluetun's rules where they are: an output filter chain that is armed (a DROP policy or rules). A packet leaves
only if every output filter chain of every backend lets it through, so the killswitch holds when one does.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

#: The iptables variants in Gluetun's order of preference, then nftables.
SAVERS = ("iptables-save", "iptables-nft-save", "iptables-legacy-save")
#: Each dump under a `#### <tool>` line; the WAN interface (the main table's default route, as the egress probe
#: finds it) under `#### wan`. Exit 127 when the namespace has no tool to dump its firewall with.
RULESET_COMMAND = (
    'echo "#### wan $(awk \'$2 == "00000000" && $8 == "00000000" {print $1; exit}\' /proc/net/route)"; found=0; '
    f'for t in {" ".join(SAVERS)}; do if command -v $t >/dev/null 2>&1; then found=1; echo "#### $t"; '
    "$t 2>/dev/null; fi; done; "
    "if command -v nft >/dev/null 2>&1; then found=1; echo '#### nft'; nft -j list ruleset 2>/dev/null; echo; fi; "
    '[ $found = 1 ] || { echo "no iptables-save nor nft in the namespace"; exit 127; }'
)
#: Tables that iptables-nft keeps in nftables: already read from its own dump, not read twice from nft's.
_XTABLES = {"filter", "nat", "mangle", "raw", "security"}
#: Targets that neither accept nor drop: the packet goes on to the next rule.
_CONTINUE = {"LOG", "NFLOG", "MARK", "CONNMARK", "TCPMSS", "CT", "NOTRACK", "counter", "log"}
_DROP = {"DROP", "REJECT", "drop", "reject"}


@dataclass(frozen=True)
class Rule:
    """What one rule matches of outbound traffic. None: anything; `neg`: the match is negated (`!`)."""

    text: str
    verdict: str  # ACCEPT, DROP, REJECT, RETURN, a chain to jump to (jump:NAME), or another target
    oif: tuple[str, ...] | None = None
    oif_neg: bool = False
    daddr: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None = None
    daddr_neg: bool = False
    proto: tuple[str, ...] | None = None
    dport: str | None = None
    ctstate: frozenset[str] | None = None
    ctstate_neg: bool = False
    unknown: tuple[str, ...] = ()  # matches Orion cannot read: such an ACCEPT may leak, such a DROP may not hold


@dataclass
class Chain:
    backend: str  # iptables-nft, iptables-legacy, iptables (variant unknown), nft
    table: str
    name: str
    policy: str  # accept or drop; "-" for a chain without one (iptables user chains, nft regular chains)
    base: bool = True  # hooked on output (filter type)
    rules: list[Rule] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.backend} {self.table}/{self.name}"

    @property
    def armed(self) -> bool:
        return self.policy != "accept" or bool(self.rules)


@dataclass(frozen=True)
class Killswitch:
    """The verdict on a namespace's firewall, and the evidence: which backend holds the killswitch, the rules
    that let new traffic out of the WAN interface (leaks) and the exceptions it makes."""

    holds: bool
    wan: str | None
    chain: str | None
    leaks: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.chain is None:
            return f"no output filter chain is armed in {', '.join(self.backends) or 'any backend'}"
        verdict = "holds" if self.holds else "leaks: " + "; ".join(self.leaks)
        allowed = f"; allows {'; '.join(self.exceptions)}" if self.exceptions else ""
        return f"{self.chain} (wan {self.wan or '?'}) {verdict}{allowed}"


def killswitch(output: str) -> Killswitch:
    """Read RULESET_COMMAND's output (or one bare iptables-save or `nft -j` dump) and judge it."""
    wan, chains = parse(output)
    backends = tuple(dict.fromkeys(c.backend for c in chains))
    armed = [c for c in chains if c.base and c.armed]
    if not armed:
        return Killswitch(False, wan, None, backends=backends)
    verdicts = [(c, _walk(c, chains, wan, 0)) for c in armed]
    for c, v in verdicts:
        v.closed = v.closed or c.policy == "drop"  # what no rule took, the policy drops
    holding = [(c, v) for c, v in verdicts if not v.leaks and v.closed]
    chain, walk = (holding or verdicts)[0]
    leaks = walk.leaks + ([] if walk.closed else [f"policy {chain.policy.upper()}"])
    return Killswitch(bool(holding), wan, f"{chain} policy {chain.policy.upper()}", tuple(leaks),
                      tuple(walk.exceptions), backends)  # fmt: skip


def parse(output: str) -> tuple[str | None, list[Chain]]:
    """The WAN interface and every chain of every dump, each dump read once (a plain `iptables-save` that is
    the same as a variant's is dropped; nft's copy of iptables-nft's tables too)."""
    sections = _sections(output)
    wan = next((body.strip() or None for tool, body in sections if tool == "wan"), None)
    chains: list[Chain] = []
    variants = {_rules(body) for tool, body in sections if tool in SAVERS[1:]}
    for tool, body in sections:
        if tool == "wan" or not body.strip() or (tool == "iptables-save" and _rules(body) in variants):
            continue
        if body.lstrip().startswith("{"):
            skip = _XTABLES if any(c.backend == "iptables-nft" for c in chains) else set()
            chains += [c for c in _nft_chains(body) if not (c.table.split()[0] in ("ip", "ip6") and
                                                            c.table.split()[-1] in skip)]  # fmt: skip
        else:
            chains += _iptables_chains(body, _variant(tool, body))
    return wan, chains


def output_policies(ruleset: str) -> list[str]:
    """The default verdict of each output filter chain: its policy, or drop when it ends in an unconditional
    drop or reject (nothing falls through to its policy then): ["nft inet gluetun/output drop"]."""
    return [f"{c} {_effective_policy(c)}" for c in parse(ruleset)[1] if c.base]


def output_dropped(ruleset: str) -> bool:
    """True when some output filter chain drops by default (whatever its rules accept before)."""
    return any(p.endswith(" drop") for p in output_policies(ruleset))


def _effective_policy(chain: Chain) -> str:
    last = chain.rules[-1] if chain.rules else None
    unconditional = last is not None and last == Rule(last.text, last.verdict)
    return "drop" if unconditional and last.verdict in _DROP else chain.policy


# -- the walk: what a new connection out of the WAN interface, to a public address, meets ------------------------


@dataclass
class _Walk:
    leaks: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    closed: bool = False  # an unconditional drop or reject stops every such connection
    endpoints: set[tuple[Any, ...]] = field(default_factory=set)


def _walk(chain: Chain, chains: list[Chain], wan: str | None, depth: int, walk: _Walk | None = None) -> _Walk:
    walk = walk or _Walk()
    for rule in chain.rules:
        if not _out_wan(rule, wan) or not _new(rule):
            if rule.verdict == "ACCEPT" and _out_other(rule):
                walk.exceptions.append(rule.text)
            continue
        verdict = rule.verdict
        if verdict == "RETURN" and depth:
            return walk
        if verdict.startswith("jump:") and depth < 8:
            target = next((c for c in chains if (c.backend, c.table, c.name) ==
                           (chain.backend, chain.table, verdict[5:])), None)  # fmt: skip
            if target is not None:
                inner = _walk(target, chains, wan, depth + 1, _Walk(endpoints=walk.endpoints))
                walk.leaks += inner.leaks
                walk.exceptions += inner.exceptions
                if inner.closed and _covers(rule):
                    walk.closed = True
                    return walk
            continue
        if verdict in _DROP:
            if _covers(rule):
                walk.closed = True
                return walk
            continue
        if verdict in _CONTINUE:
            continue
        if verdict == "ACCEPT" and _private(rule):
            walk.exceptions.append(rule.text)
        elif verdict == "ACCEPT" and _endpoint(rule) and len(walk.endpoints | {_endpoint(rule)}) == 1:
            walk.endpoints.add(_endpoint(rule))
            walk.exceptions.append(rule.text)
        else:
            walk.leaks.append(rule.text)
    return walk


def _name_matches(pattern: str, name: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith(("+", "*")) else pattern == name


def _tunnel_like(name: str) -> bool:
    return name.startswith(("tun", "wg"))


def _out_wan(rule: Rule, wan: str | None) -> bool:
    """Can the rule match a packet leaving by the WAN interface? Without a known WAN, any interface but lo and
    a tunnel's (tun*, wg*) stands for it."""
    if rule.oif is None:
        return True
    if wan:
        hit = any(_name_matches(o, wan) for o in rule.oif)
    else:
        hit = any(o != "lo" and not _tunnel_like(o) for o in rule.oif)
    return hit != rule.oif_neg


def _out_other(rule: Rule) -> bool:
    return rule.oif is not None and not rule.oif_neg and rule.unknown == ()


def _new(rule: Rule) -> bool:
    return rule.ctstate is None or ("NEW" in rule.ctstate) != rule.ctstate_neg


def _covers(rule: Rule) -> bool:
    """Does the rule match every new connection out of the WAN interface (its interface match is checked)?"""
    private_only = rule.daddr is not None and rule.daddr_neg and all(_local(n) for n in rule.daddr)
    return (rule.daddr is None or private_only) and rule.proto is None and rule.dport is None and not rule.unknown


def _private(rule: Rule) -> bool:
    """Only to private subnets (the local networks, FIREWALL_OUTBOUND_SUBNETS): not the internet."""
    return rule.daddr is not None and not rule.daddr_neg and not rule.unknown and all(map(_local, rule.daddr))


#: Private, shared (CGNAT, Tailscale), link-local and loopback ranges: the networks that are not the internet.
_LOCAL = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
               "169.254.0.0/16", "127.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128"))  # fmt: skip


def _local(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(network.version == n.version and network.subnet_of(n) for n in _LOCAL)  # type: ignore[arg-type]


def _endpoint(rule: Rule) -> tuple[Any, ...] | None:
    """One address, one protocol, one port: the VPN endpoint (WireGuard's UDP port). Only one is an exception."""
    if rule.daddr is None or rule.daddr_neg or rule.unknown or len(rule.daddr) != 1 or not rule.proto:
        return None
    net = rule.daddr[0]
    if net.num_addresses != 1 or len(rule.proto) != 1 or not rule.dport or not rule.dport.isdigit():
        return None
    return (net, rule.proto[0], rule.dport)


# -- iptables-save ------------------------------------------------------------------------------------------------


def _sections(output: str) -> list[tuple[str, str]]:
    if not output.lstrip().startswith("#### "):
        return [("iptables-save" if not output.lstrip().startswith("{") else "nft", output)]
    sections: list[tuple[str, list[str]]] = []
    for line in output.splitlines():
        if line.startswith("#### "):
            head = line[5:].split(None, 1)
            if head and head[0] == "wan":
                sections.append(("wan", [head[1] if len(head) > 1 else ""]))
            elif head:
                sections.append((head[0], []))
        elif sections:
            sections[-1][1].append(line)
    return [(tool, "\n".join(lines)) for tool, lines in sections]


def _rules(body: str) -> tuple[str, ...]:
    return tuple(line for line in body.splitlines() if line.strip() and not line.startswith("#"))


def _variant(tool: str, body: str) -> str:
    """iptables-nft or iptables-legacy, from the tool's name or its dump's header: the nf_tables variant says
    "(nf_tables)" there, the legacy one nothing ("# Generated by iptables-save v1.8.9 on …", measured)."""
    if tool != "iptables-save":
        return tool.removesuffix("-save")
    header = next((line for line in body.splitlines() if line.startswith("# Generated by")), "")
    return "iptables-nft" if "(nf_tables)" in header else "iptables-legacy" if header else "iptables"


def _iptables_chains(body: str, backend: str) -> list[Chain]:
    """filter's chains: OUTPUT (the base chain) and the user chains it may jump to, rules in order."""
    chains: dict[str, Chain] = {}
    table = None
    for line in body.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif table != "filter":
            continue
        elif line.startswith(":"):
            name, policy = [*line[1:].split(), "-"][:2]
            if name in ("INPUT", "FORWARD"):
                continue
            chains[name] = Chain(backend, "filter", name, policy.lower(), base=name == "OUTPUT")
        elif line.startswith("-A "):
            rule = _iptables_rule(line)
            if rule is not None and rule[0] in chains:
                chains[rule[0]].rules.append(rule[1])
    return list(chains.values())


def _iptables_rule(line: str) -> tuple[str, Rule] | None:
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    chain, fields, unknown, negate, i = words[1], {}, [], False, 2
    verdict = "?"
    while i < len(words):
        word = words[i]
        if word == "!":
            negate, i = True, i + 1
            continue
        value = words[i + 1] if i + 1 < len(words) else ""
        if word in ("-j", "-g"):
            verdict = value if value in _BUILTIN_TARGETS else f"jump:{value}"
            break
        if word in ("-o", "--out-interface"):
            fields["oif"], fields["oif_neg"] = (value,), negate
        elif word in ("-d", "--destination") and (nets := _networks(value.split(","))) is not None:
            fields["daddr"], fields["daddr_neg"] = nets, negate
        elif word in ("-p", "--protocol"):
            fields["proto"] = None if negate else (value.lower(),)
            if negate:
                unknown.append(f"! -p {value}")
        elif word in ("--dport", "--destination-port", "--dports"):
            fields["dport"] = value if not negate else None
            if negate:
                unknown.append(f"! {word} {value}")
        elif word in ("--ctstate", "--state"):
            fields["ctstate"], fields["ctstate_neg"] = frozenset(value.upper().split(",")), negate
        elif word in ("-m", "--match", "-i", "--in-interface", "-s", "--source"):
            pass  # a module's name; the input interface and the source do not narrow a packet going out
        elif word in ("--comment",):
            pass
        else:
            unknown.append(word)
            i += 1
            while i < len(words) and not words[i].startswith("-") and words[i] != "!":
                i += 1
            negate = False
            continue
        negate, i = False, i + 2
    return chain, Rule(text=line, verdict=verdict, unknown=tuple(unknown), **fields)


_BUILTIN_TARGETS = {"ACCEPT", "DROP", "REJECT", "RETURN"} | _CONTINUE


def _networks(values: list[Any]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    try:
        return tuple(ipaddress.ip_network(str(v), strict=False) for v in values)
    except ValueError:
        return None  # a host name or a range: read as an unknown match


# -- nft -j list ruleset ------------------------------------------------------------------------------------------


def _nft_chains(body: str) -> list[Chain]:
    items = json.loads(body).get("nftables", [])
    chains: dict[tuple[str, str, str], Chain] = {}
    for item in items:
        if "chain" in item:
            c = item["chain"]
            base = c.get("hook") == "output" and c.get("type", "filter") in ("filter", "route")
            policy = str(c.get("policy", "accept")).lower() if "hook" in c else "-"
            key = (c.get("family", ""), c.get("table", ""), c.get("name", ""))
            chains[key] = Chain("nft", f"{key[0]} {key[1]}", key[2], policy, base=base)
    for item in items:
        r = item.get("rule")
        if r and (key := (r.get("family", ""), r.get("table", ""), r.get("chain", ""))) in chains:
            chains[key].rules.append(_nft_rule(r.get("expr", [])))
    return list(chains.values())


def _nft_rule(exprs: list[Any]) -> Rule:
    fields: dict[str, Any] = {}
    unknown: list[str] = []
    words: list[str] = []
    verdict = "?"
    for expr in exprs:
        if not isinstance(expr, dict) or not expr:
            continue
        ((kind, body),) = list(expr.items())[:1]
        if kind == "match":
            negate = body.get("op") == "!="
            left, right = body.get("left", {}), body.get("right")
            values = _nft_values(right)
            words.append(f"{_nft_key(left)} {'!= ' if negate else ''}{','.join(str(v) for v in values)}")
            key = _nft_key(left)
            if key in ("meta oifname", "meta oif"):
                fields["oif"], fields["oif_neg"] = tuple(str(v) for v in values), negate
            elif key in ("ip daddr", "ip6 daddr") and (nets := _networks(values)) is not None:
                fields["daddr"], fields["daddr_neg"] = nets, negate
            elif key == "meta l4proto" and not negate:
                fields["proto"] = tuple(str(v) for v in values)
            elif key.endswith(" dport") and not negate:
                proto = key.split()[0]
                if proto in ("tcp", "udp") and "proto" not in fields:
                    fields["proto"] = (proto,)
                fields["dport"] = ",".join(str(v) for v in values)
            elif key == "ct state":
                fields["ctstate"] = frozenset(str(v).upper() for v in values)
                fields["ctstate_neg"] = negate
            elif key in ("meta iifname", "meta iif") or key.endswith(" saddr"):
                pass
            else:
                unknown.append(key)
        elif kind in ("accept", "drop", "reject", "return"):
            verdict = kind.upper()
            words.append(kind)
        elif kind in ("jump", "goto"):
            verdict = f"jump:{body.get('target')}"
            words.append(f"{kind} {body.get('target')}")
        elif kind in ("counter", "log"):
            continue
        else:
            unknown.append(kind)
            words.append(kind)
    return Rule(text=" ".join(words), verdict=verdict, unknown=tuple(unknown), **fields)


def _nft_key(left: Any) -> str:
    if isinstance(left, dict):
        if "meta" in left:
            return f"meta {left['meta'].get('key')}"
        if "payload" in left:
            return f"{left['payload'].get('protocol')} {left['payload'].get('field')}"
        if "ct" in left:
            return f"ct {left['ct'].get('key')}"
    return json.dumps(left, sort_keys=True)


def _nft_values(right: Any) -> list[Any]:
    if isinstance(right, dict) and "set" in right:
        return [v for item in right["set"] for v in _nft_values(item)]
    if isinstance(right, dict) and "prefix" in right:
        return [f"{right['prefix']['addr']}/{right['prefix']['len']}"]
    if isinstance(right, dict) and "range" in right:
        return ["-".join(str(v) for v in right["range"])]
    return list(right) if isinstance(right, list) else [right]
