# Helpers for the BACKUP-* and MAINT-02 fault scripts (sourced after _lib.sh; not a fault itself).
# shellcheck shell=bash

# The synapse restic container, and a command in it.
restic_ctr() { ctr synapse restic; }
in_restic() { docker exec "$(restic_ctr)" sh -c "$1"; }

# The job, as cron runs it: job KIND [VAR=value ...] (output kept in the fault's log, not shown).
job() {
  local kind=$1
  shift
  docker exec "$@" "$(restic_ctr)" /opt/orion-backup/backup.sh "$kind" > /dev/null 2>&1 || true
}

# Schedules: drop the line of a job from the crontab (the original is kept once), or restore it.
unschedule() {
  in_restic "[ -e /run/orion-backup/crontab.orig ] || cp /etc/crontabs/root /run/orion-backup/crontab.orig
             grep -v 'backup.sh $1 ' /run/orion-backup/crontab.orig > /etc/crontabs/root.new
             mv /etc/crontabs/root.new /etc/crontabs/root"
}
reschedule() {
  in_restic '[ -e /run/orion-backup/crontab.orig ] && mv /run/orion-backup/crontab.orig /etc/crontabs/root || true'
}

# The job's deployed configuration: drop a source from it, or deploy the stack's again.
drop_source() { # drop_source KEY PATH
  in_restic "sed -i '/^$1=/s#\\([\" ]\\)$2\\([\" ]\\)#\\1\\2#' /run/orion-backup/backup.conf"
}
redeploy_config() { in_restic 'cp /opt/orion-backup/backup.conf /run/orion-backup/backup.conf'; }

# Where the fault keeps what heal puts back.
fault_state() {
  local dir="${ORION_LAB_STATE:?}/faults"
  mkdir -p "$dir"
  echo "$dir/${fault_name:?}"
}
