#!/usr/bin/env bash
# Install everything Orion, its tests and its lab need on a Debian machine, as root. Idempotent and quiet
# when nothing is missing: apt packages, the compose v2 plugin, a virtualenv with Orion, and `orion` on PATH.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"

apt_packages=(
  python3 python3-venv python3-pip git ca-certificates
  openssh-server openssh-client iproute2 procps util-linux e2fsprogs
  prometheus prometheus-node-exporter prometheus-alertmanager prometheus-blackbox-exporter
  caddy shellcheck systemd  # systemd: `systemd-analyze verify` of the orion role's units (no PID 1 needed)
  docker.io debootstrap wireguard-go wireguard-tools nftables tcpdump
  restic borgbackup smartmontools
  chromium-headless-shell  # the lab test's browser (lab/tests/browser.py): Playwright cannot fetch its own here
)

log() { printf '\033[1mbootstrap:\033[0m %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: run as root (apt packages, the Docker engine and the lab need it)" >&2
  exit 2
fi

missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi
# Debian starts no daemon here (no systemd as PID 1): the lab and the tests start what they need.

"$root/lab/bin/install-compose-v2.sh" >/dev/null

stamp="$venv/.installed"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  log "python: installing Orion and its libraries into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  pip_log="$venv/pip.log"
  if ! { "$venv/bin/python" -m pip install -q --upgrade pip && "$venv/bin/python" -m pip install -q -e "${root}[dev]"; } \
      >"$pip_log" 2>&1; then
    tail -n 30 "$pip_log" >&2
    echo "bootstrap: pip install failed; the whole log is $pip_log" >&2
    exit 1
  fi
  touch "$stamp"
fi
ln -sf "$venv/bin/orion" /usr/local/bin/orion
