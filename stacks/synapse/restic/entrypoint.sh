#!/bin/sh
# Orion — restic scheduler (BACKUP-01..07, MAINT-02). Long-running: busybox crond in the foreground.
# Schedules (container TZ), overridable from .env:
#   BACKUP_DAILY_CRON   the daily set: configs, databases, volume archives, documents, photos (default 03:30 daily)
#   BACKUP_MEDIA_CRON   the media library, incremental                                  (default 04:30 on Sunday)
#   BACKUP_CHECK_CRON   verification: restic check --read-data-subset + canary restore    (default 06:00 on the 1st)
# At start it deploys backup.conf to /run/orion-backup/ (the copy the job reads), writes the SSH client settings
# for an sftp: offsite repository (key BACKUP_OFFSITE_SSH_KEY), initialises the repositories, and runs the
# jobs named in BACKUP_RUN_AT_START (the lab: "daily media check"), before crond takes over.
set -eu

run_dir=/run/orion-backup
env_file=$run_dir/env
mkdir -p "$run_dir" /etc/crontabs
umask 077
cp /opt/orion-backup/backup.conf "$run_dir/backup.conf"

# crond starts jobs with an empty environment: hand them the variables they need.
export -p | grep -E '^export (RESTIC_[A-Z_]*|AWS_[A-Z_]*|B2_[A-Z_]*|BACKUP_[A-Z_]*|TEXTFILE_DIR|TZ|HOSTNAME)=' > "$env_file" || true

if [ -n "${BACKUP_OFFSITE_SSH_KEY:-}" ]; then
  mkdir -p /root/.ssh
  cat > /root/.ssh/config <<SSH
Host *
  IdentityFile $BACKUP_OFFSITE_SSH_KEY
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ${RESTIC_CACHE_DIR:-/cache}/known_hosts
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 2
SSH
fi

log=/proc/1/fd/1
cat > /etc/crontabs/root <<CRON
${BACKUP_DAILY_CRON:-30 3 * * *} /opt/orion-backup/backup.sh daily > $log 2>&1
${BACKUP_MEDIA_CRON:-30 4 * * 0} /opt/orion-backup/backup.sh media > $log 2>&1
${BACKUP_CHECK_CRON:-0 6 1 * *} /opt/orion-backup/backup.sh check > $log 2>&1
CRON

echo "orion-backup: schedules installed:"
cat /etc/crontabs/root

# Initialise the repositories once, so that the first night does not fail on "repository does not exist".
/opt/orion-backup/backup.sh init || echo "orion-backup: a repository could not be initialised (see above)"

for job in ${BACKUP_RUN_AT_START:-}; do
  /opt/orion-backup/backup.sh "$job" || echo "orion-backup: the $job job at start exited $?"
done

exec crond -f -l 6 -c /etc/crontabs
