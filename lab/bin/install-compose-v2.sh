#!/usr/bin/env bash
# Install the compose v2 CLI plugin from Debian trixie's docker-compose .deb (bookworm only ships v1).
# Idempotent: does nothing when `docker compose version` already works (FORCE=1 reinstalls).
# Usage: install-compose-v2.sh [DEST_DIR]
set -euo pipefail

dest="${1:-/usr/local/lib/docker/cli-plugins}"
if [ -z "${FORCE:-}" ] && docker compose version >/dev/null 2>&1; then
  echo "compose v2 already present: $(docker compose version --short)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/debs"
cat >"$work/trixie.sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# A private sources list and lists dir: the system's bookworm apt state is never touched.
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/trixie.sources"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists"
  -o "APT::Get::List-Cleanup=0"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" update -qq
(cd "$work/debs" && apt-get "${apt_opts[@]}" download docker-compose)
deb="$(find "$work/debs" -name 'docker-compose_*.deb' | head -n 1)"
[ -n "$deb" ] || { echo "install-compose-v2: no docker-compose .deb downloaded" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/root"
plugin="$work/root/usr/libexec/docker/cli-plugins/docker-compose"
[ -x "$plugin" ] || { echo "install-compose-v2: $deb has no cli-plugins/docker-compose" >&2; exit 1; }
install -D -m 0755 "$plugin" "$dest/docker-compose"
echo "installed $("$dest/docker-compose" version) into $dest"
