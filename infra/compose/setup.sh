#!/bin/sh
# docker-compose.yml's one-shot `setup`: registers, once, the accounts the topology needs in the
# device registry (DATA_DIR/devices.sqlite, the volume the ingest instances share), keeps their
# generated MQTT passwords in the secrets volume for the other containers, and writes Mosquitto's
# password and ACL files. Re-running it only re-exports the Mosquitto files.
set -eu
pulseproof() { node "${PULSEPROOF_CLI:-/app/app/bin/pulseproof.js}" "$@"; }
secrets="${SECRETS_DIR:-/secrets}"
auth="${MOSQUITTO_AUTH_DIR:-/mosquitto-auth}"
patients="${SIM_PATIENTS:-20}"
interval="${SIM_INTERVAL_MS:-1000}"

if [ ! -f "$secrets/service.json" ]; then
  # the services' account on the broker: reads device topics, writes alerts and dispatch orders
  pulseproof devices add-principal service pulseproof --json >"$secrets/service.json.tmp"
  # the simulator publishes for its bedside monitors as one gateway (devices without passwords)
  pulseproof devices add-principal gateway sim-gateway --json >"$secrets/sim-gateway.json.tmp"
  i=1
  while [ "$i" -le "$patients" ]; do
    n=$(printf '%03d' "$i")
    pulseproof devices register "sim-bed-$n" --patient "sim-patient-$n" --gateway sim-gateway --no-credentials --interval "${interval}ms" >/dev/null
    i=$((i + 1))
  done
  mv "$secrets/sim-gateway.json.tmp" "$secrets/sim-gateway.json"
  mv "$secrets/service.json.tmp" "$secrets/service.json"
  chmod 0600 "$secrets"/*.json
  echo "setup: registered the service account, the sim-gateway and $patients simulated monitors"
fi

pulseproof devices export-mosquitto --out-dir "$auth"
# eclipse-mosquitto drops to uid 1883 and must read the 0600 files
chown 1883:1883 "$auth/passwd" "$auth/acl"
