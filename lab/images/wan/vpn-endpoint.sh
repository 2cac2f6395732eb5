#!/usr/bin/env bash
# The VPN provider's server in the lab's internet: wireguard-go listening on UDP, with NAT so that tunnel
# traffic leaves with the endpoint's own lab_wan address. Forwarding is limited to the lab_wan subnet:
# nothing routed through the lab can reach beyond the lab's own networks.
set -euo pipefail

iface="${WG_IFACE:-wg-endpoint}"
dir="${WG_DIR:-/vpn/lab}"                       # private_key, peer_public_key (mounted by the lab)
address="${WG_ADDRESS:-10.99.0.1/24}"
peer_ips="${WG_PEER_ALLOWED_IPS:-10.99.0.2/32}"
port="${WG_LISTEN_PORT:-51820}"

wan="$(ip -o -4 route show default | awk '{for (i = 1; i <= NF; i++) if ($i == "dev") print $(i+1); exit}')"
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
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "$wan" ip saddr $tunnel_net masquerade
  }
}
RULES
echo "vpn-endpoint: $iface $address listening on $wan:$port, NAT to $subnet"
exec sleep infinity
