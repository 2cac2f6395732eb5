#!/usr/bin/env bash
# `make demo`: bring the lab up (the homelab's stacks on real daemons in local Docker), run Orion's critical
# checks against it, and say where the run record is. The lab stays up to explore; `orion lab down` removes it.
# The lab follows ORION_STATE_DIR (default /var/lib/orion): `orion lab up` renders its inventory there.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
orion="$root/.venv/bin/orion"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started=$(date +%s)

step "orion lab up"
"$orion" lab up || exit 2
up=$(( $(date +%s) - started ))
inventory="$("$orion" lab inventory)" || exit 2

step "orion check -m critical --inventory $inventory"
"$orion" check --inventory "$inventory" -m critical
check=$?

step "timings: lab up ${up}s, checks $(( $(date +%s) - started - up ))s; exit $check"
echo "The lab is still up: orion lab status | orion lab faults | orion lab fault SEC-01.password-auth | orion lab down"
exit "$check"
