#!/bin/sh
# Orion — Alertmanager start-up: render the config with the Telegram secret, then exec Alertmanager.
# Source config (read-only, from git): /etc/alertmanager/src/alertmanager.yml + templates/
# Rendered copy (tmpfs, never on disk):  /run/alertmanager/alertmanager.yml
set -eu

src=/etc/alertmanager/src
dst=/run/alertmanager
token_file=/run/secrets/telegram_bot_token

if [ ! -r "$token_file" ]; then
  echo "entrypoint: missing secret $token_file" >&2
  exit 1
fi
token=$(tr -d '\r\n' < "$token_file")
chat_id=${TELEGRAM_CHAT_ID:-}

# Telegram bot tokens are <digits>:<[A-Za-z0-9_-]>; chat ids are (negative) integers.
case "$token" in
  '' | *[!0-9A-Za-z:_-]*) echo "entrypoint: telegram_bot_token has an unexpected format" >&2; exit 1 ;;
esac
digits=${chat_id#-}
case "$digits" in
  '' | *[!0-9]*) echo "entrypoint: TELEGRAM_CHAT_ID must be an integer" >&2; exit 1 ;;
esac

umask 077
mkdir -p "$dst/templates"
cp "$src"/templates/*.tmpl "$dst/templates/"
sed -e "s|__TELEGRAM_BOT_TOKEN__|${token}|g" \
    -e "s|chat_id: -1000000000000|chat_id: ${chat_id}|g" \
    "$src/alertmanager.yml" > "$dst/alertmanager.yml"

exec /bin/alertmanager \
  --config.file="$dst/alertmanager.yml" \
  --storage.path=/alertmanager \
  "$@"
