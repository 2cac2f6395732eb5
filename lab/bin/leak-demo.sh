#!/usr/bin/env bash
# Show the VPN leak path on the running lab: for each state (tunnel up; tunnel down with the killswitch on;
# tunnel down with the killswitch flushed; healed), ask the lab's echo server for our IP from qBittorrent's
# namespace and count the packets from the gateway's own lab_wan address (10.213.0.20) seen on the host side
# of lab_wan, WireGuard to the endpoint excepted. Breaks and heals through the lab's fault scripts.
set -euo pipefail

faults="$(cd "$(dirname "$0")/../faults" && pwd)"
gateway_ip=10.213.0.20
endpoint_ip=10.213.0.2
bridge="$(docker network inspect lab_wan --format '{{index .Options "com.docker.network.bridge.name"}}')"
[ -n "$bridge" ] || bridge="br-$(docker network inspect lab_wan --format '{{.Id}}' | cut -c1-12)"
qbt="$(docker ps -q --filter label=com.docker.compose.project=cortex --filter label=com.docker.compose.service=qbittorrent)"
[ -n "$qbt" ] || { echo "leak-demo: qbittorrent is not running (orion lab up first)" >&2; exit 1; }
capture="$(mktemp)"
trap 'rm -f "$capture"' EXIT

observe() {
  local label="$1" answer pid
  timeout 15 tcpdump -i "$bridge" -n -l -c 100 \
    "src host $gateway_ip and not (udp and dst host $endpoint_ip and dst port 51820)" >"$capture" 2>/dev/null &
  pid=$!
  sleep 1.5
  answer="$(docker exec "$qbt" curl -s -m 5 http://echo/ || echo "no answer (curl exit $?)")"
  sleep 1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  printf '%-38s echo says: %-28s leaked packets: %s\n' "$label" "$answer" "$(grep -c ' IP ' "$capture" || true)"
}

observe "tunnel up, killswitch on"
"$faults/TORR-01.tunnel-down" break >/dev/null
observe "tunnel DOWN, killswitch on"
"$faults/TORR-02.killswitch-off" break >/dev/null
observe "tunnel DOWN, killswitch OFF"
"$faults/TORR-02.killswitch-off" heal >/dev/null
"$faults/TORR-01.tunnel-down" heal >/dev/null
observe "healed"
