#!/bin/sh
# Lab only: the daily job's pre-backup hook, doing what offen/docker-volume-backup does in production:
# each named volume mounted read-only under /lab/volumes/<name> is archived into
# /source/hdd/backups/volumes/<name>-<date>.tar.gz, and archives beyond the newest 2 per volume are pruned.
# Differences: one archive per volume (offen writes one for all), and no container is stopped around the copy
# (the restic container has no Docker socket): the lab's SQLite databases are copied with `sqlite3 .backup`
# (consistent while in use) into hdd/appdata instead.
set -eu
volumes=${LAB_VOLUMES_DIR:-/lab/volumes}
archive=${BACKUP_SOURCE_ROOT:-/source}/hdd/backups/volumes
mkdir -p "$archive"
stamp=$(date -u +%Y-%m-%dT%H-%M-%S)
for dir in "$volumes"/*; do
  [ -d "$dir" ] || continue
  name=$(basename "$dir")
  tar -czf "$archive/.$name-$stamp.tar.gz" -C "$volumes" "$name"
  mv "$archive/.$name-$stamp.tar.gz" "$archive/$name-$stamp.tar.gz"
  # shellcheck disable=SC2012
  ls -t "$archive/$name"-*.tar.gz | tail -n +3 | xargs -r rm -f
done
for db in "${BACKUP_SOURCE_ROOT:-/source}"/hdd/appdata/*/data/*.live.db; do
  [ -f "$db" ] || continue
  sqlite3 "$db" ".backup '${db%.live.db}.db'"
done
