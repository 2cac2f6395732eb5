#!/usr/bin/env bash
# The WireGuard tunnel (userspace wireguard-go) to the lab's VPN endpoint, routed like Gluetun does:
# the main table keeps the WAN default route (the path a leak takes), and the tunnel's two /1 routes win
# while the interface is up. The WAN subnet's on-link route is narrowed to the endpoint and the router,
# since the lab's "internet" hosts sit on that subnet. Usage: tunnel up|down|status
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. /usr/local/lib/gateway/lib.sh

up() {
  local wan subnet
  wan="$(wan_iface)"
  [ -n "$wan" ] || { echo "tunnel: no interface reaches $WG_ENDPOINT_IP" >&2; exit 1; }
  if [ ! -S "/var/run/wireguard/$WG_IFACE.sock" ]; then
    wireguard-go "$WG_IFACE"
  fi
  wg set "$WG_IFACE" private-key "$WG_DIR/private_key" \
    peer "$(cat "$WG_DIR/peer_public_key")" endpoint "$WG_ENDPOINT_IP:$WG_ENDPOINT_PORT" \
    allowed-ips 0.0.0.0/0 persistent-keepalive 25
  ip address replace "$WIREGUARD_ADDRESSES" dev "$WG_IFACE"
  ip link set "$WG_IFACE" up
  ip route replace "$WG_ENDPOINT_IP/32" dev "$wan"
  ip route replace "$WAN_GATEWAY/32" dev "$wan"
  subnet="$(ip -o -4 route show proto kernel scope link dev "$wan" | awk '{print $1; exit}')"
  if [ -n "$subnet" ]; then ip route del "$subnet" dev "$wan" proto kernel; fi
  ip route replace default via "$WAN_GATEWAY" dev "$wan"
  ip route replace 0.0.0.0/1 dev "$WG_IFACE"
  ip route replace 128.0.0.0/1 dev "$WG_IFACE"
  echo "tunnel up ($WG_IFACE $WIREGUARD_ADDRESSES -> $WG_ENDPOINT_IP:$WG_ENDPOINT_PORT via $wan)"
}

case "${1:-status}" in
  up) up ;;
  down) ip link set "$WG_IFACE" down 2>/dev/null || true; echo "tunnel down" ;;
  status) if ip link show "$WG_IFACE" 2>/dev/null | grep -q '[<,]UP[,>]'; then echo up; else echo down; exit 1; fi ;;
  *) echo "usage: tunnel up|down|status" >&2; exit 2 ;;
esac
