#!/bin/sh
# Lab only: seed the backup sources (seed-source.sh), then the stack's own scheduler (entrypoint.sh).
set -eu
/opt/orion-lab/seed-source.sh
exec /bin/sh /opt/orion-backup/entrypoint.sh
