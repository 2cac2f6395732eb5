#!/usr/bin/env bash
# Gluetun stand-in entrypoint: arm the killswitch first (Gluetun's firewall is always on), bring the
# WireGuard tunnel up through wireguard-go, then serve the control-server stand-in on :8000.
set -euo pipefail

killswitch on
tunnel up
exec python3 /opt/standins/serve.py gluetun --port "${HTTP_CONTROL_SERVER_PORT:-8000}"
