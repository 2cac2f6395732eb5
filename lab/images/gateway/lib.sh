# Shared settings for the gateway scripts (sourced). Gluetun-like environment names where they exist.
# shellcheck shell=bash
WG_IFACE="${WG_IFACE:-wg-gluetun}"
WG_DIR="${WG_DIR:-/gluetun/lab}"                      # private_key, peer_public_key (mounted by the lab)
WIREGUARD_ADDRESSES="${WIREGUARD_ADDRESSES:-10.99.0.2/32}"
WG_ENDPOINT_IP="${WG_ENDPOINT_IP:?WG_ENDPOINT_IP is required}"
WG_ENDPOINT_PORT="${WG_ENDPOINT_PORT:-51820}"
WAN_GATEWAY="${WAN_GATEWAY:?WAN_GATEWAY is required (the lab_wan router)}"
FIREWALL_INPUT_PORTS="${FIREWALL_INPUT_PORTS:-8000,8080}"
# Gluetun: the forwarded port(s) allowed in through the tunnel (the first one is "the" forwarded port).
FIREWALL_VPN_INPUT_PORTS="${FIREWALL_VPN_INPUT_PORTS:-${VPN_PORT_FORWARDING_PORT:-0}}"

# The interface that reaches the VPN endpoint: the gateway's link to the lab's internet.
wan_iface() {
  ip -o -4 addr show | awk -v ep="$WG_ENDPOINT_IP" '
    function ip2n(a,  p) { split(a, p, "."); return ((p[1]*256+p[2])*256+p[3])*256+p[4] }
    { split($4, c, "/"); m = 2^32 - 2^(32-c[2]);
      if (int(ip2n(c[1]) / 2^(32-c[2])) == int(ip2n(ep) / 2^(32-c[2])) && $2 != "lo") { print $2; exit } }'
}

# Subnets of the local docker networks (every interface but lo, the WAN and the tunnel).
local_subnets() {
  local wan="$1"
  ip -o -4 route show proto kernel scope link | awk -v wan="$wan" -v wg="$WG_IFACE" '
    { for (i = 1; i <= NF; i++) if ($i == "dev") d = $(i+1); if (d != wan && d != wg && d != "lo") print $1 }'
}
