#!/usr/bin/env bash
# `make lab-test`: the lab's tests, on a lab of their own state dir (so every run proves that the lab follows
# ORION_STATE_DIR), which is purged afterwards. One lab runs per Docker engine: a lab left up by `make demo` (or
# under any other state dir) is brought down first; its images stay cached.
# With --with-unit (`make test`), the engine's unit tests run while the lab comes up and its tests run: they need
# no lab, and both mostly wait (on containers, SSH, subprocesses). Their output is printed once the lab's tests are
# done; a failure of either fails the run, and the lab's tests run anyway.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$root/.venv/bin/python"
orion="$root/.venv/bin/orion"
state="${ORION_LAB_TEST_STATE:-/tmp/orion-lab-test}"

# The engine first: a lab's containers outlive a stopped dockerd (a reboot after `make demo`) and come back with it,
# so only a running engine can tell whose lab is there. Started under this run's state dir, it stops at the end.
owner=$(ORION_STATE_DIR="$state" "$py" -c '
from orion.lab import engine, owner
from orion.lab.errors import LabError
try:
    engine.ensure_engine()
except LabError as exc:
    raise SystemExit(f"lab-test: {exc}")
p = owner.running_from()
print(p.parent if p else "")') || exit 1
if [ -n "$owner" ] && [ "$owner" != "$state" ]; then
  echo "lab-test: a lab of $owner is up; bringing it down first (one lab per Docker engine)"
  ORION_STATE_DIR="$owner" "$orion" lab down || exit 1
fi

cd "$root" || exit 2
rc=0
if [ "${1:-}" = "--with-unit" ]; then
  log="$(mktemp)"
  # Niced, to fill only the time the lab spends waiting. The kernel shares the CPU between sessions (autogroups)
  # before it looks at nice, and the lab's containers (where Ansible's modules run) are in another session: so
  # the unit tests get a session of their own, niced as a whole (a plain nice left Ansible at half its speed).
  # setsid -w: $! stays the process whose exit status is the tests'.
  setsid -w sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"' sh \
    "$py" -m pytest -p no:cacheprovider tests_unit -q >"$log" 2>&1 &
  unit=$!
  echo "lab-test: unit tests running meanwhile (pid $unit), bringing the lab up"
  ORION_STATE_DIR="$state" "$orion" lab up || rc=1
fi
ORION_STATE_DIR="$state" "$py" -m pytest -p no:cacheprovider lab/tests -q -s --durations=0 --durations-min=20 || rc=1
if [ -n "${unit:-}" ]; then
  wait "$unit" || rc=1
  echo "lab-test: unit tests:"
  cat "$log"
  rm -f "$log"
fi
if ORION_STATE_DIR="$state" "$orion" lab down --purge; then
  rm -rf "$state"
else
  rc=1
fi
exit "$rc"
