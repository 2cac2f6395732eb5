#!/usr/bin/env bash
# The VPN provider's server in the lab's internet: wireguard-go listening on UDP, with NAT so that tunnel
# traffic leaves with the endpoint's own lab_wan address, and one forwarded port (as AirVPN's or a NAT-PMP
# provider's): TCP and UDP to that port on the endpoint's public side are sent (DNAT) through the tunnel to
# the client, who sees the peer's own address. The provider's API (the page where a customer reads the port)
# answers on :8001, on the tunnel side too (provider-api.py).
# Forwarding is limited to the lab's own networks: nothing routed through the lab can reach beyond them.
# Usage: vpn-endpoint              set up, serve and wait (the container's command)
#        vpn-endpoint forward PORT  forward another port, as the provider does after a reconnect
set -euo pipefail

iface="${WG_IFACE:-wg-endpoint}"
dir="${WG_DIR:-/vpn/lab}"                       # private_key, peer_public_key (mounted by the lab)
address="${WG_ADDRESS:-10.99.0.1/24}"
peer_ips="${WG_PEER_ALLOWED_IPS:-10.99.0.2/32}"
port="${WG_LISTEN_PORT:-51820}"
client="${peer_ips%%/*}"                         # the tunnel address the forwarded port goes to
state=/run/vpn
mkdir -p "$state"

# The interface holding $WAN_ADDRESS (the endpoint's lab_wan address), else the default route's.
wan_iface() {
  if [ -n "${WAN_ADDRESS:-}" ]; then
    ip -o -4 addr show | awk -v a="$WAN_ADDRESS" '{split($4, c, "/"); if (c[1] == a) {print $2; exit}}'
    return
  fi
  ip -o -4 route show default | awk '{for (i = 1; i <= NF; i++) if ($i == "dev") print $(i+1); exit}'
}

# The forwarded port's DNAT (idempotent); table vpn's forward chain lets DNAT'd connections into the tunnel.
forward() {
  local fport="$1"
  case "$fport" in '' | *[!0-9]*) echo "vpn-endpoint: forward needs a port number" >&2; exit 2 ;; esac
  nft delete table ip vpn-forward 2>/dev/null || true
  nft -f - <<RULES
table ip vpn-forward {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname != "$iface" meta l4proto { tcp, udp } th dport $fport dnat to $client:$fport
  }
}
RULES
  echo "$fport" >"$state/forwarded_port.tmp"
  mv "$state/forwarded_port.tmp" "$state/forwarded_port"
  echo "vpn-endpoint: port $fport forwarded to $client"
}

if [ "${1:-}" = forward ]; then
  forward "${2:-}"
  exit 0
fi

wan="$(wan_iface)"
[ -n "$wan" ] || wan="$(ip -o -4 addr show scope global | awk '{print $2; exit}')"
subnet="$(ip -o -4 route show proto kernel scope link dev "$wan" | awk '{print $1; exit}')"
tunnel_net="$(echo "$address" | awk -F'[./]' '{printf "%d.%d.%d.0/%d", $1, $2, $3, $5}')"

if [ ! -S "/var/run/wireguard/$iface.sock" ]; then
  wireguard-go "$iface"
fi
wg set "$iface" listen-port "$port" private-key "$dir/private_key" \
  peer "$(cat "$dir/peer_public_key")" allowed-ips "$peer_ips"
ip address replace "$address" dev "$iface"
ip link set "$iface" up

nft delete table ip vpn 2>/dev/null || true
nft -f - <<RULES
table ip vpn {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "$iface" oifname "$wan" ip daddr $subnet accept
    iifname != "$iface" oifname "$iface" ct status dnat accept
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "$wan" ip saddr $tunnel_net masquerade
  }
}
RULES
# A restart keeps the port the provider assigned last (the fault's), like a provider account does.
forward "$(cat "$state/forwarded_port" 2>/dev/null || echo "${FORWARDED_PORT:-51413}")"
echo "vpn-endpoint: $iface $address listening on $wan:$port, NAT to $subnet"
exec python3 /usr/local/bin/provider-api --port "${PROVIDER_API_PORT:-8001}" --state "$state/forwarded_port"
