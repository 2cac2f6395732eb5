# Helpers for the remediation scripts (sourced; not a remediation itself: it is in no catalogue entry).
# shellcheck shell=bash
# Orion gives each script: ORION_HOST, ORION_NODE, ORION_REQ, ORION_CHECK, ORION_ACTION, ORION_HOLDS, and the
# target's connection details (DOCKER_HOST and ORION_DOCKER_PROJECT, or ORION_SSH_*), nothing else.

me="$(basename "$0")"
say() { echo "$me: $*"; }
die() { echo "$me: $*" >&2; exit 1; }

# The container ID of a compose service of this node's project, empty when it has none: ctr SERVICE.
ctr() {
  docker ps -aq --filter "label=com.docker.compose.project=${ORION_DOCKER_PROJECT:?}" \
    --filter "label=com.docker.compose.service=$1" | head -n 1
}

# The compose services of this node's project with their state: "service status health" lines.
services() {
  docker ps -a --filter "label=com.docker.compose.project=${ORION_DOCKER_PROJECT:?}" \
    --format '{{.Label "com.docker.compose.service"}} {{.ID}}' |
    while read -r name id; do
      echo "$name $(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")"
    done
}

# A hold: a service Orion stopped on purpose (a leak) stays stopped until a person removes the hold file.
hold_file() { echo "${ORION_HOLDS:?}/${ORION_DOCKER_PROJECT:?}.$1"; }
held() { [ -e "$(hold_file "$1")" ]; }
hold() { printf '%s\n' "$2" >"$(hold_file "$1")"; }

# Wait until a container runs and is not unhealthy, polling with back-off (1, 2, 4… s), at most $2 s.
wait_up() {
  local id="$1" limit="$2" waited=0 delay=1 state
  while :; do
    state="$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")"
    case "$state" in
      "running healthy" | "running none") echo "$state"; return 0 ;;
    esac
    if [ "$waited" -ge "$limit" ]; then echo "$state"; return 1; fi
    sleep "$delay"; waited=$((waited + delay)); delay=$((delay * 2))
    if [ $((waited + delay)) -gt "$limit" ]; then delay=$((limit - waited)); [ "$delay" -gt 0 ] || delay=1; fi
  done
}
