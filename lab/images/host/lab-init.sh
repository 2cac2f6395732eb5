#!/usr/bin/env bash
# PID 2 (under tini) of a container standing for a Raspberry Pi: do what boot would do without systemd.
# Services run through their Debian init scripts, so Ansible's service module works on them as on a Pi.
set -euo pipefail

# Host key (Ed25519 only) and the lab's authorized key, mounted read-only at /run/lab/authorized_key.
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
if [ -f /run/lab/authorized_key ]; then
  install -d -m 0700 -o orion -g orion /home/orion/.ssh
  install -m 0600 -o orion -g orion /run/lab/authorized_key /home/orion/.ssh/authorized_keys
fi

# A restarted container keeps its /run, where a booting Pi gets a fresh tmpfs: stale pid files and sockets (such
# as fail2ban's) would keep daemons from starting again.
find /run -xdev \( -name '*.pid' -o -type s \) -delete 2>/dev/null || true

service rsyslog start >/dev/null 2>&1 || true
service cron start >/dev/null
service ssh start >/dev/null

stop() {
  service ssh stop >/dev/null 2>&1 || true
  exit 0
}
trap stop TERM INT
echo "lab-init: $(hostname) ready (sshd on 2222)"
sleep infinity &
wait
