#!/bin/sh
# Lab only: seed /source, the tree the restic job backs up (backup.conf's sources), once per lab: a few hundred
# small files standing for what a homelab must not lose. What it stands for, and where it comes from:
#   etc/cortex, etc/synapse  /etc as etckeeper holds it (a git repository, committed): this image's Debian /etc,
#                            renamed per node (the Pis' own /etc stays in the host containers)
#   orion-repo               this repository's provisioning/ and stacks/ (refreshed at every start, read-only
#                            mounts under /lab/orion-repo) with each stack's .env: the lab's real env files
#   hdd/appdata              app data: SQLite databases (sqlite3) and config files of the media apps
#   hdd/docs, hdd/photos     documents, and photos (tiny valid JPEGs, one distinct comment each)
#   hdd/data/media           the media library: a few small "video" files
#   hdd/backups/volumes      written by volumes-hook.sh before each daily run
set -eu
root=${BACKUP_SOURCE_ROOT:-/source}
mark="$root/.orion-lab-seeded"

# A 16x16 JPEG; each photo gets a 32-byte COM segment after SOI so that no two files are alike.
JPEG_TAIL=/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z
jpeg_body=$(mktemp)
echo "$JPEG_TAIL" | base64 -d | tail -c +3 > "$jpeg_body"

photo() { # photo PATH LABEL
  { printf '\377\330\377\376\000\042%-32.32s' "$2"; cat "$jpeg_body"; } > "$1"
}

seed_etc() { # seed_etc NODE
  dest="$root/etc/$1"
  mkdir -p "$dest"
  cp -a /etc/. "$dest/"
  rm -rf "$dest/ssh/ssh_host_"* "$dest/.git"
  echo "orion-$1" > "$dest/hostname"
  printf 'VCS="git"\n' > "$dest/etckeeper.conf"
  printf 'mkdir -p ./ssh\n' > "$dest/.etckeeper"
  git -C "$dest" init -q
  git -C "$dest" -c user.name=etckeeper -c user.email="root@orion-$1" add -A
  git -C "$dest" -c user.name=etckeeper -c user.email="root@orion-$1" commit -q -m "daily autocommit"
}

seed_appdata() {
  for app in jellyfin radarr sonarr prowlarr qbittorrent; do
    mkdir -p "$root/hdd/appdata/$app/data" "$root/hdd/appdata/$app/config"
    printf '<Config>\n  <Port>%s</Port>\n  <ApiKey>lab-%s</ApiKey>\n</Config>\n' "$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')" "$app" \
      > "$root/hdd/appdata/$app/config/config.xml"
  done
  db="$root/hdd/appdata/jellyfin/data/library.live.db"
  sqlite3 "$db" "CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT, year INTEGER, path TEXT);"
  for i in $(seq 1 120); do echo "INSERT INTO items (title, year, path) VALUES ('Title $i', $((1950 + i % 70)), '/data/media/movies/title-$i');"; done |
    sqlite3 "$db"
  for app in radarr sonarr; do
    sqlite3 "$root/hdd/appdata/$app/data/$app.db" \
      "CREATE TABLE history (id INTEGER PRIMARY KEY, event TEXT, at TEXT); INSERT INTO history (event, at) VALUES ('grabbed', datetime('now')), ('imported', datetime('now'));"
  done
  printf '[Preferences]\nDownloads\\SavePath=/data/torrents/\n' > "$root/hdd/appdata/qbittorrent/config/qBittorrent.conf"
}

seed_docs() {
  for folder in admin letters recipes school taxes; do
    mkdir -p "$root/hdd/docs/$folder"
    for i in $(seq 1 12); do
      file="$root/hdd/docs/$folder/$folder-$i"
      case $((i % 3)) in
        0) { echo "%PDF-1.4"; head -c 1500 /dev/urandom | base64; echo "%%EOF"; } > "$file.pdf" ;;
        1) printf '# %s %s\n\n%s\n' "$folder" "$i" "$(head -c 600 /dev/urandom | base64)" > "$file.md" ;;
        *) head -c 900 /dev/urandom | base64 > "$file.txt" ;;
      esac
    done
  done
}

seed_photos() {
  for year in 2018 2019 2020 2021 2022 2023 2024; do
    mkdir -p "$root/hdd/photos/$year"
    for i in $(seq 1 30); do photo "$root/hdd/photos/$year/IMG_${year}_$i.jpg" "orion-lab $year #$i $(date +%s%N)"; done
  done
}

seed_media() {
  for title in big-buck-bunny sintel tears-of-steel; do
    mkdir -p "$root/hdd/data/media/movies/$title"
    head -c 65536 /dev/urandom > "$root/hdd/data/media/movies/$title/$title.mkv"
  done
  mkdir -p "$root/hdd/data/media/tv/elephants-dream/season-01"
  for e in 1 2 3; do head -c 32768 /dev/urandom > "$root/hdd/data/media/tv/elephants-dream/season-01/e0$e.mkv"; done
}

if [ ! -e "$mark" ]; then
  echo "orion-lab: seeding $root"
  seed_etc cortex
  seed_etc synapse
  seed_appdata
  seed_docs
  seed_photos
  seed_media
  mkdir -p "$root/hdd/backups/volumes"
  date -Iseconds > "$mark"
fi
rm -f "$jpeg_body"

# This repository and the stacks' .env files, as they are now.
rm -rf "$root/orion-repo"
mkdir -p "$root/orion-repo"
for part in stacks provisioning; do
  [ -d "/lab/orion-repo/$part" ] && cp -a "/lab/orion-repo/$part" "$root/orion-repo/"
done
for node in cortex synapse; do
  if [ -r "/lab/env/$node.env" ] && [ -d "$root/orion-repo/stacks/$node" ]; then
    cp "/lab/env/$node.env" "$root/orion-repo/stacks/$node/.env"
  fi
done
echo "orion-lab: $(find "$root" -type f | wc -l) source files under $root"
