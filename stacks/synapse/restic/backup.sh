#!/bin/sh
# Orion — one restic job. Usage: backup.sh init|daily|media|check
#   daily  (BACKUP-01/04/05) configs, app databases, Docker volume archives, documents, photos
#   media  (BACKUP-02)       the media library, weekly and incremental
#   check  (BACKUP-07)       restic check --read-data-subset=5% (monthly)
# After every run it writes node-exporter textfile metrics (atomically: temp file + rename):
#   orion_backup_last_run_timestamp_seconds, orion_backup_last_success_timestamp_seconds,
#   orion_backup_last_exit_code, orion_backup_last_duration_seconds   {kind, repository}
# Retention after daily/media: forget --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --prune.
set -u

# shellcheck disable=SC1091
[ -r /run/orion-backup/env ] && . /run/orion-backup/env

kind=${1:?usage: backup.sh init|daily|media|check}
src=${BACKUP_SOURCE_ROOT:-/source}
textfile_dir=${TEXTFILE_DIR:-/textfile}
lock=/run/orion-backup/lock
host_tag=${BACKUP_HOST_TAG:-orion}

log() { printf '%s orion-backup[%s]: %s\n' "$(date -Iseconds)" "$kind" "$*"; }

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
    echo "# HELP orion_backup_last_exit_code restic exit code of the last run (0 ok, 3 partial, 10 no repo, 11 locked, 12 bad password)."
    echo "# TYPE orion_backup_last_exit_code gauge"
    echo "orion_backup_last_exit_code{$labels} $rc"
    echo "# HELP orion_backup_last_duration_seconds Duration of the last backup job run."
    echo "# TYPE orion_backup_last_duration_seconds gauge"
    echo "orion_backup_last_duration_seconds{$labels} $((finished - started))"
  } > "$tmp" && chmod 0644 "$tmp" && mv "$tmp" "$prom"
}

# Paths that exist among the arguments (a missing optional source must not fail the whole job).
existing() {
  for p in "$@"; do
    [ -e "$p" ] && printf '%s\n' "$p"
  done
}

forget() {
  restic forget --host "$host_tag" --tag "$kind" \
    --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --prune
}

run_on_repo() {
  case "$kind" in
    daily)
      # Configs and databases: cortex app data (over NFS), Docker volume archives written by
      # volume-backup, the Orion repository checkout (compose files, .env), documents and photos.
      paths_file=/run/orion-backup/paths.$$
      existing "$src/hdd/appdata" "$src/hdd/backups/volumes" "$src/hdd/docs" "$src/hdd/photos" "$src/orion-repo" > "$paths_file"
      if [ ! -s "$paths_file" ]; then
        log "no source path found under $src"; rm -f "$paths_file"; return 1
      fi
      restic backup --host "$host_tag" --tag daily --one-file-system \
        --exclude-caches --exclude '*/cache/*' --exclude '*/transcodes/*' --exclude '*/MediaCover/*' \
        --files-from "$paths_file"
      rc=$?
      rm -f "$paths_file"
      [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || return "$rc"
      forget || return $?
      return "$rc"
      ;;
    media)
      [ -d "$src/hdd/data/media" ] || { log "no media directory"; return 1; }
      restic backup --host "$host_tag" --tag media "$src/hdd/data/media"
      rc=$?
      [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || return "$rc"
      forget || return $?
      return "$rc"
      ;;
    check)
      restic check --read-data-subset=5%
      ;;
  esac
}

init_repo() {
  if restic cat config > /dev/null 2>&1; then
    log "repository $RESTIC_REPOSITORY ready"
    return 0
  fi
  log "initialising repository $RESTIC_REPOSITORY"
  restic init
}

case "$kind" in
  init | daily | media | check) ;;
  *) echo "usage: backup.sh init|daily|media|check" >&2; exit 2 ;;
esac
: "${RESTIC_REPOSITORY:?RESTIC_REPOSITORY is not set}"
: "${RESTIC_PASSWORD_FILE:?RESTIC_PASSWORD_FILE is not set}"

if [ "$kind" = init ]; then
  init_repo
  exit $?
fi

# One job at a time (a long media run must not overlap the daily one).
exec 9> "$lock"
if ! flock -n 9; then
  log "another backup job is running, skipping"
  exit 0
fi

overall=0
for target in local offsite; do
  if [ "$target" = offsite ]; then
    # Optional light offsite copy (BACKUP-03): configs/DB/docs only, never the media library.
    if [ -z "${RESTIC_OFFSITE_REPOSITORY:-}" ] || [ "$kind" = media ]; then
      continue
    fi
    export RESTIC_REPOSITORY="$RESTIC_OFFSITE_REPOSITORY"
  fi
  started=$(date +%s)
  log "start on $target repository"
  run_on_repo
  rc=$?
  finished=$(date +%s)
  log "end on $target repository: exit $rc in $((finished - started))s"
  write_metrics "$target" "$rc" "$started" "$finished"
  [ "$rc" -eq 0 ] || overall=$rc
done
exit "$overall"
