#!/usr/bin/env bash
# The killswitch with Gluetun's documented policy: output dropped except lo, the tunnel, the VPN endpoint's
# UDP port and the local docker networks (FIREWALL_OUTBOUND_SUBNETS); input only from the local networks to
# FIREWALL_INPUT_PORTS and to the forwarded port through the tunnel.
# Two backends: KILLSWITCH_BACKEND=nftables (default: a table `inet gluetun`) or iptables (the rules Gluetun
# v3.41 writes, in its order and shape, with $KILLSWITCH_IPTABLES: iptables, which is iptables-nft on bookworm,
# or iptables-legacy). `on` remembers the backend, so off/status/leak act on the one that is armed.
# Usage: killswitch on|off|status|leak   (leak: accept everything out of the WAN, as a hand edit does)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. /usr/local/lib/gateway/lib.sh

STATE=/run/gateway-killswitch
if [ -z "${KILLSWITCH_BACKEND:-}" ] && [ -r "$STATE" ]; then
  read -r KILLSWITCH_BACKEND KILLSWITCH_IPTABLES <"$STATE" || true
fi
BACKEND="${KILLSWITCH_BACKEND:-nftables}"
IPT="${KILLSWITCH_IPTABLES:-iptables}"
case "$BACKEND" in nftables|iptables) ;; *) echo "killswitch: KILLSWITCH_BACKEND must be nftables or iptables" >&2; exit 2 ;; esac

wan_or_die() {
  local wan
  wan="$(wan_iface)"
  [ -n "$wan" ] || { echo "killswitch: no interface reaches $WG_ENDPOINT_IP" >&2; exit 1; }
  echo "$wan"
}

on_nftables() {
  local wan="$1" subnets="$2" lan_in="" lan_out=""
  if [ -n "$subnets" ]; then
    lan_in="ip saddr { $subnets } tcp dport { $FIREWALL_INPUT_PORTS } accept"
    lan_out="ip daddr { $subnets } accept"
  fi
  nft delete table inet gluetun 2>/dev/null || true
  nft -f - <<RULES
table inet gluetun {
  chain input {
    type filter hook input priority filter; policy drop;
    iifname "lo" accept
    ct state established,related accept
    iifname "$WG_IFACE" meta l4proto { tcp, udp } th dport { $FIREWALL_VPN_INPUT_PORTS } accept
    $lan_in
    iifname "$wan" ip saddr $WAN_GATEWAY tcp dport { $FIREWALL_INPUT_PORTS } accept
  }
  chain output {
    type filter hook output priority filter; policy drop;
    oifname "lo" accept
    ct state established,related accept
    oifname "$WG_IFACE" accept
    oifname "$wan" ip daddr $WG_ENDPOINT_IP udp dport $WG_ENDPOINT_PORT accept
    $lan_out
  }
}
RULES
}

# Gluetun's internal/firewall enable() then SetVPNConnection() then the VPN input ports, one command per rule.
on_iptables() {
  local wan="$1" subnets="$2" ip subnet port proto
  ip="$(ip -o -4 addr show dev "$wan" | awk '{split($4, a, "/"); print a[1]; exit}')"
  off_iptables
  "$IPT" --policy INPUT DROP
  "$IPT" --policy OUTPUT DROP
  "$IPT" --policy FORWARD DROP
  "$IPT" --append INPUT -i lo -j ACCEPT
  "$IPT" --append OUTPUT -o lo -j ACCEPT
  "$IPT" --append OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  "$IPT" --append INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  for subnet in ${subnets//,/ }; do
    "$IPT" --append OUTPUT -s "$ip" -d "$subnet" -j ACCEPT
    "$IPT" --append INPUT -d "$subnet" -j ACCEPT
  done
  for port in ${FIREWALL_INPUT_PORTS//,/ }; do
    for proto in tcp udp; do "$IPT" --append INPUT -i "$wan" -p "$proto" -m "$proto" --dport "$port" -j ACCEPT; done
  done
  "$IPT" --append OUTPUT -d "$WG_ENDPOINT_IP" -o "$wan" -p udp -m udp --dport "$WG_ENDPOINT_PORT" -j ACCEPT
  "$IPT" --append OUTPUT -o "$WG_IFACE" -j ACCEPT
  for port in ${FIREWALL_VPN_INPUT_PORTS//,/ }; do
    for proto in tcp udp; do "$IPT" --append INPUT -i "$WG_IFACE" -p "$proto" -m "$proto" --dport "$port" -j ACCEPT; done
  done
}

# Gluetun's disable(): flush, delete user chains, policies ACCEPT (filter only: Docker's DNS rules are in nat).
off_iptables() {
  "$IPT" --flush
  "$IPT" --delete-chain
  local chain
  for chain in INPUT OUTPUT FORWARD; do "$IPT" --policy "$chain" ACCEPT; done
}

on() {
  local wan subnets
  wan="$(wan_or_die)"
  subnets="$(local_subnets "$wan" | paste -sd, -)"
  "on_$BACKEND" "$wan" "$subnets"
  echo "$BACKEND $IPT" >"$STATE"
  echo "killswitch on ($( [ "$BACKEND" = iptables ] && echo "$IPT" || echo nftables ), wan $wan, local ${subnets:-none})"
}

off() {
  if [ "$BACKEND" = iptables ]; then off_iptables; else nft delete table inet gluetun 2>/dev/null || true; fi
  echo "killswitch off"
}

status() {
  if [ "$BACKEND" = iptables ]; then
    "$IPT" -S OUTPUT 2>/dev/null | grep -qx -- '-P OUTPUT DROP'
  else
    nft list table inet gluetun >/dev/null 2>&1
  fi
}

leak() {
  local wan
  wan="$(wan_or_die)"
  if [ "$BACKEND" = iptables ]; then
    "$IPT" -C OUTPUT -o "$wan" -j ACCEPT 2>/dev/null || "$IPT" --insert OUTPUT -o "$wan" -j ACCEPT
  else
    nft list chain inet gluetun output | grep -q "oifname \"$wan\" accept$" \
      || nft insert rule inet gluetun output oifname "$wan" accept
  fi
  echo "killswitch leaks out of $wan"
}

case "${1:-status}" in
  on) on ;;
  off) off ;;
  status) if status; then echo "on ($BACKEND)"; else echo off; exit 1; fi ;;
  leak) leak ;;
  *) echo "usage: killswitch on|off|status|leak" >&2; exit 2 ;;
esac
