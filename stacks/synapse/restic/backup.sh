#!/bin/sh
# Orion — the restic job. Usage: backup.sh init|daily|media|check
#   daily  (BACKUP-01/03/04/05) backup.conf's SOURCES_SYSTEM, SOURCES_VOLUMES, SOURCES_DOCUMENTS into the local
#          repository, then the offsite one; before it, a SHA-256 manifest of the CANARY files (BACKUP-06)
#   media  (BACKUP-02)          SOURCES_MEDIA into the local repository only, weekly and incremental
#   check  (BACKUP-07, MAINT-02) restic check --read-data-subset=CHECK_SUBSET on each repository, and on the
#          local one a restore of the canary set compared with its manifest
# Each repository has its own password: RESTIC_PASSWORD_FILE (local), RESTIC_OFFSITE_PASSWORD_FILE (offsite).
# After every run it writes node-exporter textfile metrics (atomically: temp file + rename):
#   orion_backup_last_run_timestamp_seconds, orion_backup_last_success_timestamp_seconds,
#   orion_backup_last_exit_code, orion_backup_last_duration_seconds   {kind, repository}
# Retention after daily/media: forget --keep-* from backup.conf, --prune.
set -u

run_dir=${BACKUP_RUN_DIR:-/run/orion-backup}
# shellcheck disable=SC1091
[ -r "$run_dir/env" ] && . "$run_dir/env"

kind=${1:?usage: backup.sh init|daily|media|check}
src=${BACKUP_SOURCE_ROOT:-/source}
conf=${BACKUP_CONF:-$run_dir/backup.conf}
[ -r "$conf" ] || conf=/opt/orion-backup/backup.conf
textfile_dir=${TEXTFILE_DIR:-/textfile}
manifests=${BACKUP_MANIFEST_DIR:-/cache/manifests}
scratch=${BACKUP_SCRATCH_DIR:-/cache/verify}
lock=$run_dir/lock
host_tag=${BACKUP_HOST_TAG:-orion}

log() { printf '%s orion-backup[%s]: %s\n' "$(date -Iseconds)" "$kind" "$*"; }

# shellcheck disable=SC1090
. "$conf" || { log "cannot read $conf"; exit 2; }
# The container's environment may read more of each pack than backup.conf (the lab: its small repositories whole).
CHECK_SUBSET=${BACKUP_CHECK_SUBSET:-$CHECK_SUBSET}

# write_metrics REPOSITORY_LABEL EXIT_CODE START END — one .prom file per kind and repository.
write_metrics() {
  repo_label=$1 rc=$2 started=$3 finished=$4
  prom="$textfile_dir/orion_backup_${kind}_${repo_label}.prom"
  tmp="$prom.$$"
  prev_success=0
  if [ -r "$prom" ]; then
    prev_success=$(awk '/^orion_backup_last_success_timestamp_seconds/ {print $2}' "$prom")
    prev_success=${prev_success:-0}
  fi
  if [ "$rc" -eq 0 ]; then success=$finished; else success=$prev_success; fi
  labels="kind=\"$kind\",repository=\"$repo_label\""
  {
    echo "# HELP orion_backup_last_run_timestamp_seconds End of the last backup job run."
    echo "# TYPE orion_backup_last_run_timestamp_seconds gauge"
    echo "orion_backup_last_run_timestamp_seconds{$labels} $finished"
    echo "# HELP orion_backup_last_success_timestamp_seconds End of the last successful backup job run."
    echo "# TYPE orion_backup_last_success_timestamp_seconds gauge"
    echo "orion_backup_last_success_timestamp_seconds{$labels} $success"
    echo "# HELP orion_backup_last_exit_code restic exit code of the last run (0 ok, 1 fatal, 3 partial, 10 no repo, 11 locked, 12 bad password)."
    echo "# TYPE orion_backup_last_exit_code gauge"
    echo "orion_backup_last_exit_code{$labels} $rc"
    echo "# HELP orion_backup_last_duration_seconds Duration of the last backup job run."
    echo "# TYPE orion_backup_last_duration_seconds gauge"
    echo "orion_backup_last_duration_seconds{$labels} $((finished - started))"
  } > "$tmp" && chmod 0644 "$tmp" && mv "$tmp" "$prom"
}

# The absolute paths of the relative sources given, one a line; a missing one is logged and left out (an
# optional source must not fail the whole job; the checks see it missing from the snapshot).
sources() {
  for rel in "$@"; do
    if [ -e "$src/$rel" ]; then printf '%s\n' "$src/$rel"; else log "source $src/$rel is missing, left out"; fi
  done
}

# Hash every canary file: "sha256  /source/path" lines, sorted (the manifest, BACKUP-06).
write_manifest() {
  for rel in $CANARY; do
    [ -e "$src/$rel" ] && find "$src/$rel" -type f
  done | LC_ALL=C sort | while IFS= read -r file; do sha256sum "$file"; done > "$1"
}

# The id of the newest snapshot of set $1 in the current repository.
latest_id() {
  restic snapshots --no-lock --json --host "$host_tag" --tag "$1" latest |
    tr ',' '\n' | sed -n 's/^"id":"\([0-9a-f]*\)"$/\1/p' | tail -n 1
}

backup_set() {
  # shellcheck disable=SC2086
  sources "$@" > "$paths_file"
  if [ ! -s "$paths_file" ]; then
    log "no source path found under $src"
    return 1
  fi
  # A run with a stopped clock (restic --time): BACKUP_TIME ("YYYY-MM-DD HH:MM:SS"), or BACKUP_CLOCK_BEHIND_S
  # seconds before now (a Pi without its clock set: it has no RTC). Used by the lab's faults.
  if [ -z "${BACKUP_TIME:-}" ] && [ -n "${BACKUP_CLOCK_BEHIND_S:-}" ]; then
    BACKUP_TIME=$(date -d "@$(($(date +%s) - BACKUP_CLOCK_BEHIND_S))" '+%Y-%m-%d %H:%M:%S')
  fi
  restic backup --host "$host_tag" --tag "$kind" ${BACKUP_TIME:+--time "$BACKUP_TIME"} --one-file-system \
    --exclude-caches --exclude '*/cache/*' --exclude '*/transcodes/*' --exclude '*/MediaCover/*' \
    --files-from "$paths_file"
}

forget() {
  if [ "$kind" = media ]; then
    restic forget --host "$host_tag" --tag media \
      --keep-weekly "$MEDIA_KEEP_WEEKLY" --keep-monthly "$MEDIA_KEEP_MONTHLY" --prune
  else
    restic forget --host "$host_tag" --tag daily --keep-daily "$DAILY_KEEP_DAILY" \
      --keep-weekly "$DAILY_KEEP_WEEKLY" --keep-monthly "$DAILY_KEEP_MONTHLY" --prune
  fi
}

# Restore the canary set of the newest daily snapshot to scratch and compare it with the manifest.
restore_test() {
  id=$(latest_id daily)
  [ -n "$id" ] || { log "no daily snapshot to restore"; return 1; }
  manifest="$manifests/$target-$id.sha256"
  [ -s "$manifest" ] || { log "no manifest for snapshot $id ($manifest)"; return 1; }
  rm -rf "$scratch" && mkdir -p "$scratch" || return 1
  includes=$(awk '{print "--include\n" $2}' "$manifest")
  # shellcheck disable=SC2086
  (IFS='
' && restic restore --no-lock "$id" --target "$scratch" $includes) || { rm -rf "$scratch"; return 1; }
  (cd "$scratch" && sed 's|  /|  |' "$manifest" | sha256sum -c --quiet -)
  rc=$?
  rm -rf "$scratch"
  [ "$rc" -eq 0 ] && log "canary set of $id restored: every SHA-256 matches its manifest"
  return "$rc"
}

run_on_repo() {
  paths_file=$run_dir/paths.$$
  case "$kind" in
    daily)
      pending="$manifests/$target-pending.sha256"
      mkdir -p "$manifests" && write_manifest "$pending" || return 1
      # shellcheck disable=SC2086
      backup_set $SOURCES_SYSTEM $SOURCES_VOLUMES $SOURCES_DOCUMENTS
      rc=$?
      rm -f "$paths_file"
      [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || return "$rc"
      id=$(latest_id daily)
      [ -n "$id" ] && mv "$pending" "$manifests/$target-$id.sha256"
      # Manifests of snapshots long forgotten: keep the newest 60 per repository.
      # shellcheck disable=SC2012
      ls -t "$manifests/$target"-*.sha256 2>/dev/null | tail -n +61 | xargs -r rm -f
      forget || return $?
      return "$rc"
      ;;
    media)
      # shellcheck disable=SC2086
      backup_set $SOURCES_MEDIA
      rc=$?
      rm -f "$paths_file"
      [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || return "$rc"
      forget || return $?
      return "$rc"
      ;;
    check)
      restic check --read-data-subset="$CHECK_SUBSET" || return $?
      if [ "$target" = local ]; then restore_test; fi
      ;;
  esac
}

# use_repo local|offsite: point restic at that repository and its own password.
use_repo() {
  target=$1
  if [ "$target" = offsite ]; then
    export RESTIC_REPOSITORY="$RESTIC_OFFSITE_REPOSITORY"
    export RESTIC_PASSWORD_FILE="${RESTIC_OFFSITE_PASSWORD_FILE:-$local_password}"
  else
    export RESTIC_REPOSITORY="$local_repository" RESTIC_PASSWORD_FILE="$local_password"
  fi
}

init_repo() {
  if restic cat config > /dev/null 2>&1; then
    log "$target repository ready"
    return 0
  fi
  log "initialising the $target repository"
  restic init
}

case "$kind" in
  init | daily | media | check) ;;
  *) echo "usage: backup.sh init|daily|media|check" >&2; exit 2 ;;
esac
: "${RESTIC_REPOSITORY:?RESTIC_REPOSITORY is not set}"
: "${RESTIC_PASSWORD_FILE:?RESTIC_PASSWORD_FILE is not set}"
local_repository=$RESTIC_REPOSITORY
local_password=$RESTIC_PASSWORD_FILE
# The light offsite copy (BACKUP-03): the daily set only, never the media library. BACKUP_TARGETS narrows a
# run by hand (a re-run for one repository).
targets=
for t in ${BACKUP_TARGETS:-local offsite}; do
  case "$t" in
    local) targets="$targets local" ;;
    offsite) [ -n "${RESTIC_OFFSITE_REPOSITORY:-}" ] && [ "$kind" != media ] && targets="$targets offsite" ;;
    *) log "unknown repository $t in BACKUP_TARGETS (local, offsite)"; exit 2 ;;
  esac
done

if [ "$kind" = init ]; then
  overall=0
  for t in $targets; do
    use_repo "$t"
    init_repo || { log "cannot initialise the $t repository"; overall=1; }
  done
  exit "$overall"
fi

# One job at a time (a long media run must not overlap the daily one).
exec 9> "$lock"
if ! flock -n 9; then
  log "another backup job is running, skipping"
  exit 0
fi

if [ "$kind" = daily ] && [ -n "${BACKUP_PRE_HOOK:-}" ]; then
  log "pre-backup hook $BACKUP_PRE_HOOK"
  "$BACKUP_PRE_HOOK" || log "pre-backup hook failed (exit $?): the snapshot may lack fresh volume archives"
fi

overall=0
for t in $targets; do
  use_repo "$t"
  started=$(date +%s)
  log "start on the $t repository"
  run_on_repo
  rc=$?
  finished=$(date +%s)
  log "end on the $t repository: exit $rc in $((finished - started))s"
  write_metrics "$t" "$rc" "$started" "$finished"
  [ "$rc" -eq 0 ] || overall=$rc
done
exit "$overall"
