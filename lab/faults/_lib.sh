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
