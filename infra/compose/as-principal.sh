#!/bin/sh
# `as-principal.sh <name> <command...>`: runs the command with the MQTT account that setup.sh
# registered as <name> (secrets/<name>.json) in MQTT_USERNAME / MQTT_PASSWORD (and
# PULSEPROOF_SIM_PASSWORD for the simulator), so no password sits in docker-compose.yml.
set -eu
file="${SECRETS_DIR:-/secrets}/$1.json"
shift
[ -f "$file" ] || { echo "as-principal.sh: $file is missing: the setup service must run first" >&2; exit 1; }
MQTT_USERNAME=$(node -p "require('$file').credentials.username")
MQTT_PASSWORD=$(node -p "require('$file').credentials.password")
PULSEPROOF_SIM_PASSWORD="$MQTT_PASSWORD"
export MQTT_USERNAME MQTT_PASSWORD PULSEPROOF_SIM_PASSWORD
exec "$@"
