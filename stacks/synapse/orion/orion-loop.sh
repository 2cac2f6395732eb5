#!/bin/sh
# Orion runner loop: the container equivalent of the 5-minute systemd timer on synapse.
#   ORION_INTERVAL_SECONDS  pause between runs (default 300)
#   ORION_CHECK_ARGS        arguments of `orion check` (default: the critical checks, digest to Telegram on change; split on blanks, no quotes)
# `orion check` exit codes: 0 all passed/remediated, 1 failures remain, 3 some checks could not run —
# all normal outcomes for a monitor; 2 (usage/configuration error) is logged loudly but the loop goes on,
# so that a fixed inventory is picked up without restarting the container.
set -u

interval=${ORION_INTERVAL_SECONDS:-300}
args=${ORION_CHECK_ARGS:---notify -m critical}

# Orion's Telegram assistant (`orion bot`, LLM-03) runs beside the loop, restarted if it stops; ORION_BOT=0 turns
# it off (e.g. no orion_telegram in the inventory).
bot_pid=""
if [ "${ORION_BOT:-1}" = 1 ]; then
  (
    while :; do
      orion bot
      echo "orion-loop: orion bot exited $?, restarting in 30s" >&2
      sleep 30
    done
  ) &
  bot_pid=$!
fi

# Orion's status page (`orion serve`) for Caddy, restarted if it stops; ORION_STATUS=0 turns it off.
#   ORION_STATUS_LISTEN  HOST:PORT (default 0.0.0.0:8089)    ORION_STATUS_ALLOW  the address let in (Caddy's)
status_pid=""
if [ "${ORION_STATUS:-1}" = 1 ]; then
  (
    while :; do
      orion serve --listen "${ORION_STATUS_LISTEN:-0.0.0.0:8089}" --allow "${ORION_STATUS_ALLOW:-127.0.0.1}"
      echo "orion-loop: orion serve exited $?, restarting in 30s" >&2
      sleep 30
    done
  ) &
  status_pid=$!
fi

trap 'echo "orion-loop: stopping"; kill $bot_pid $status_pid 2>/dev/null; exit 0' TERM INT

while :; do
  started=$(date +%s)
  # shellcheck disable=SC2086 # word splitting of ORION_CHECK_ARGS is intended
  orion check $args
  rc=$?
  case "$rc" in
    0 | 1 | 3) echo "orion-loop: run finished with exit $rc in $(( $(date +%s) - started ))s" ;;
    *) echo "orion-loop: ERROR, orion check exited $rc (configuration?)" >&2 ;;
  esac
  sleep "$interval" &
  wait $!
done
