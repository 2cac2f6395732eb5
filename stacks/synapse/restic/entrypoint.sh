#!/bin/sh
# Orion — restic scheduler (BACKUP-01/02/03/07). Long-running: busybox crond in the foreground.
# Schedules (container TZ), overridable from .env:
#   BACKUP_DAILY_CRON   configs + databases + documents + photos   (default 03:30 every day)
#   BACKUP_MEDIA_CRON   media library, incremental                 (default 04:30 on Sunday)
#   BACKUP_CHECK_CRON   restic check --read-data-subset=5%          (default 06:00 on the 1st)
set -eu

env_file=/run/orion-backup/env
mkdir -p /run/orion-backup /etc/crontabs
umask 077

# crond starts jobs with an empty environment: hand them the variables they need.
export -p | grep -E '^export (RESTIC_[A-Z_]*|AWS_[A-Z_]*|B2_[A-Z_]*|BACKUP_[A-Z_]*|TEXTFILE_DIR|TZ|HOSTNAME)=' > "$env_file" || true

log=/proc/1/fd/1
cat > /etc/crontabs/root <<CRON
${BACKUP_DAILY_CRON:-30 3 * * *} /opt/orion-backup/backup.sh daily > $log 2>&1
${BACKUP_MEDIA_CRON:-30 4 * * 0} /opt/orion-backup/backup.sh media > $log 2>&1
${BACKUP_CHECK_CRON:-0 6 1 * *} /opt/orion-backup/backup.sh check > $log 2>&1
CRON

echo "orion-backup: schedules installed:"
cat /etc/crontabs/root

# Initialise the repository once, so that the first night does not fail on "repository does not exist".
/opt/orion-backup/backup.sh init

exec crond -f -l 6 -c /etc/crontabs
