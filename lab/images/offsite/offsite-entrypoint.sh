#!/bin/sh
# The host key once per data volume, the lab's public key for the restic user, then sshd in the foreground.
set -eu
install -d -m 0700 /srv/hostkeys
[ -s /srv/hostkeys/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /srv/hostkeys/ssh_host_ed25519_key
install -d -m 0700 -o restic -g restic /home/restic/.ssh
install -m 0600 -o restic -g restic /run/lab/authorized_key /home/restic/.ssh/authorized_keys
install -d -o restic -g restic /srv/restic
exec /usr/sbin/sshd -D -e
