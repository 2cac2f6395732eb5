#!/usr/bin/env bash
# The killswitch with Gluetun's documented policy: output dropped except lo, the tunnel, the VPN endpoint's
# UDP port and the local docker networks (FIREWALL_OUTBOUND_SUBNETS); input only from the local networks to
# FIREWALL_INPUT_PORTS and to the forwarded port through the tunnel. Usage: killswitch on|off|status
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. /usr/local/lib/gateway/lib.sh

on() {
  local wan subnets
  wan="$(wan_iface)"
  [ -n "$wan" ] || { echo "killswitch: no interface reaches $WG_ENDPOINT_IP" >&2; exit 1; }
  subnets="$(local_subnets "$wan" | paste -sd, -)"
  local lan_in="" lan_out=""
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
  echo "killswitch on (wan $wan, local ${subnets:-none})"
}

case "${1:-status}" in
  on) on ;;
  off) nft delete table inet gluetun 2>/dev/null || true; echo "killswitch off" ;;
  status) if nft list table inet gluetun >/dev/null 2>&1; then echo on; else echo off; exit 1; fi ;;
  *) echo "usage: killswitch on|off|status" >&2; exit 2 ;;
esac
