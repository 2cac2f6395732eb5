#!/usr/bin/env bash
# `make demo`: the static gate, then Orion's critical checks against real daemons started on this machine
# (orion.localrig: sshd on 127.0.0.1:2222, node_exporter, Prometheus), then everything it started is stopped.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
orion="$root/.venv/bin/orion"
python="$root/.venv/bin/python"
state="${ORION_STATE_DIR:-/var/lib/orion}"
rig="$state/rig"
export ORION_STATE_DIR="$state"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)
trap '"$python" -m orion.localrig down "$rig"' EXIT

step "static gate: stacks/ and provisioning/ against the requirements"
"$orion" gate
gate=$?

step "local rig: real daemons on 127.0.0.1"
"$python" -m orion.localrig up "$rig" || exit 2

step "orion check -m critical"
"$orion" check --inventory "$rig/inventory.yml" -m critical
check=$?

step "done in $(( $(date +%s) - started ))s: gate exit $gate, check exit $check; the run record is $state/runs/latest.json"
[ "$gate" -eq 0 ] && [ "$check" -eq 0 ]
