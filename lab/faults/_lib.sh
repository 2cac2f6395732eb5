# Helpers for the lab fault scripts (sourced; not a fault itself: fault names are REQ-ID.what).
# shellcheck shell=bash

fault_name="$(basename "$0")"

# The action, break or heal; anything else is a usage error.
action() {
  case "${1:-}" in
    break | heal) echo "$1" ;;
    *) echo "usage: $fault_name break|heal" >&2; exit 2 ;;
  esac
}

# The container of a compose service: ctr PROJECT SERVICE.
ctr() {
  local id
  id="$(docker ps -aq --filter "label=com.docker.compose.project=$1" \
    --filter "label=com.docker.compose.service=$2" | head -n 1)"
  if [ -z "$id" ]; then
    echo "$fault_name: no container for service $2 in project $1 (is the lab up?)" >&2
    exit 1
  fi
  echo "$id"
}

say() { echo "$fault_name: $*"; }

# The cloudflared stand-in's ingress, as Cloudflare's dashboard would push it (`PUT /_standin/remote-config`).
# tunnel_route HOST [SERVICE]: drop HOST's rule and, given SERVICE, route HOST to it before the catch-all.
# tunnel_reset: back to the local config.yml. tunnel_hosts: the host names it routes now.
tunnel_route() {
  docker exec "$(ctr cortex cloudflared)" python3 -c '
import json, sys, urllib.request
host, service = sys.argv[1], sys.argv[2]
base = "http://127.0.0.1:2000"
rules = json.load(urllib.request.urlopen(base + "/config"))["config"]["ingress"]
rules = [r for r in rules if r.get("hostname") != host]
if service:
    rules.insert(len(rules) - 1, {"hostname": host, "service": service})
body = json.dumps({"ingress": rules}).encode()
urllib.request.urlopen(urllib.request.Request(base + "/_standin/remote-config", body, method="PUT"))' "$1" "${2:-}"
}

tunnel_reset() {
  docker exec "$(ctr cortex cloudflared)" curl -fsS -o /dev/null -X DELETE http://127.0.0.1:2000/_standin/remote-config
}

tunnel_hosts() {
  docker exec "$(ctr cortex cloudflared)" curl -fsS http://127.0.0.1:2000/config |
    grep -o '"hostname": "[^"]*"' | tr '\n' ' '
}
