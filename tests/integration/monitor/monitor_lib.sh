# The monitor's broker for its test and its benchmark (source after scripts/harness.sh,
# tests/integration/keeld_lib.sh and tests/integration/mqtt_lib.sh; set $work).
#
# One CA issues the broker's certificate (127.0.0.1) and the clients': "monitor" (reads the
# devices' events, writes alerts), "fleet-sim" (publishes events for the simulated devices)
# and "ops" (reads alerts). The broker authenticates each client by its certificate
# (require_certificate, use_identity_as_username) and confines it by ACL.
# shellcheck shell=bash

# monitor_pki DIR: DIR/ca.pem, DIR/broker.{pem,key}, DIR/{monitor,fleet-sim,ops}.{pem,key}.
monitor_pki() {
  local dir=$1 who
  mqtt_pki_ca "$dir" "keel monitor test CA"
  mqtt_pki_leaf "$dir" "$dir/broker" broker serverAuth "IP:127.0.0.1"
  for who in monitor fleet-sim ops; do
    mqtt_pki_leaf "$dir" "$dir/$who" "$who" clientAuth
  done
}

# monitor_broker_start DIR: mosquitto with TLS and client certificates on a free loopback
# port, the certificates of monitor_pki DIR; sets mqtt_port and mqtt_pid; log in
# $work/mosquitto.log. Queues are deep enough that nothing the test sends is dropped (a
# dropped event would be the broker's doing, not the monitor's); the benchmark says how many
# the monitors received.
monitor_broker_start() {
  local pki=$1 dir=$work/broker
  mkdir -p "$dir"
  cp "$pki/ca.pem" "$pki/broker.pem" "$pki/broker.key" "$dir/"
  cat >"$dir/acl" <<ACL
user monitor
topic read keel/+/events
topic write keel/alerts

user fleet-sim
topic write keel/+/events

user ops
topic read keel/alerts
ACL
  port_pick
  mqtt_port=$picked
  cat >"$dir/mosquitto.conf" <<CONF
per_listener_settings false
persistence false
allow_anonymous false
acl_file $dir/acl
log_dest stderr
log_type error
log_type warning
log_type notice
max_queued_messages ${MONITOR_BROKER_QUEUE:-200000}
max_inflight_messages ${MONITOR_BROKER_INFLIGHT:-100}
listener $mqtt_port 127.0.0.1
cafile $dir/ca.pem
certfile $dir/broker.pem
keyfile $dir/broker.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
CONF
  chmod -R a+rX "$dir" # mosquitto started as root reads them as its own account
  harness_start "$work/mosquitto.log" mosquitto -c "$dir/mosquitto.conf"
  mqtt_pid=$harness_last_pid
  harness_wait_port "$mqtt_port" 10 || {
    cat "$work/mosquitto.log"
    keeld_fail "mosquitto does not start"
  }
}

# monitor_start NAME PKI [monitor options...]: keel monitor as the "monitor" client, alerts in
# $work/NAME.alerts, counters in $work/NAME.stats, log in $work/NAME.log; waits until it
# watches the subscription; sets monitor_pid.
monitor_start() {
  local name=$1 pki=$2; shift 2
  harness_start "$work/$name.log" "$KEEL_BIN" monitor --mqtt "127.0.0.1:$mqtt_port" \
    --ca "$pki/ca.pem" --cert "$pki/monitor.pem" --key "$pki/monitor.key" \
    --alerts "$work/$name.alerts" --stats "$work/$name.stats" "$@"
  monitor_pid=$harness_last_pid
  harness_wait_for "$work/$name.log" "^keel monitor: watching " 20 "$monitor_pid" ||
    keeld_fail "keel monitor ($name) did not subscribe: $(cat "$work/$name.log")"
}

# fleet_sim_args PKI: the simulator's broker and identity arguments into sim_args.
fleet_sim_args() {
  sim_args=(--port "$mqtt_port" --ca "$1/ca.pem" --cert "$1/fleet-sim.pem"
            --key "$1/fleet-sim.key")
}
