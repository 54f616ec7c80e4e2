# A real MQTT broker (mosquitto) for keeld's cloud-link tests (source after harness.sh and
# keeld_lib.sh; set $work). The broker authenticates every client by its certificate
# (require_certificate, use_identity_as_username: the CN is the user name) and confines each
# device to keel/<its CN>/ by ACL; the user "cloud" reads every device.
# shellcheck shell=bash

# mqtt_pki_ca DIR CN: DIR/ca.pem, DIR/ca.key, a P-256 CA.
mqtt_pki_ca() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$1/ca.key" -out "$1/ca.pem" -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null || keeld_fail "openssl cannot make the CA $2"
}

# mqtt_pki_leaf CA_DIR OUT CN EKU [SAN]: OUT.pem and OUT.key, a P-256 certificate for CN
# issued by the CA in CA_DIR; EKU serverAuth or clientAuth.
mqtt_pki_leaf() {
  local ca=$1 out=$2 cn=$3 eku=$4 san=${5:-} ext
  ext=$(mktemp "$work/ext-XXXXXX")
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$eku"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$out.key" \
    -out "$out.csr" -subj "/CN=$cn" 2>/dev/null &&
    openssl x509 -req -in "$out.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial \
      -days 30 -sha256 -extfile "$ext" -out "$out.pem" 2>/dev/null ||
    keeld_fail "openssl cannot issue the certificate for $cn"
  rm -f "$ext" "$out.csr"
}

port_pick() { # a free loopback port into $picked
  local p
  for _ in $(seq 20); do
    p=$((20000 + RANDOM % 40000))
    if port_free "$p"; then picked=$p; return 0; fi
  done
  keeld_fail "no free port"
}

# mqtt_broker_start CAFILE CERT KEY: mosquitto with TLS 1.2+ and client certificates on a
# free loopback port; sets mqtt_port and mqtt_pid. Its log is $work/mosquitto.log.
mqtt_broker_start() {
  local cafile=$1 cert=$2 key=$3 dir=$work/broker
  mkdir -p "$dir"
  cp "$cafile" "$dir/clients-ca.pem"
  cp "$cert" "$dir/broker.pem"
  cp "$key" "$dir/broker.key"
  cat >"$dir/acl" <<ACL
pattern readwrite keel/%u/#

user cloud
topic read keel/#
topic write keel/+/command
topic write keel/+/privacy/deleted
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
log_type information
connection_messages true
listener $mqtt_port 127.0.0.1
cafile $dir/clients-ca.pem
certfile $dir/broker.pem
keyfile $dir/broker.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
CONF
  # mosquitto started as root runs as its own account: it must read its files.
  chmod -R a+rX "$dir"
  harness_start "$work/mosquitto.log" mosquitto -c "$dir/mosquitto.conf"
  mqtt_pid=$harness_last_pid
  harness_wait_port "$mqtt_port" 10 || {
    cat "$work/mosquitto.log"
    keeld_fail "mosquitto does not start"
  }
}

# mqtt_tls_args CA_FILE CERT_BASE: mosquitto_sub/pub TLS arguments (CERT_BASE "" for none).
mqtt_tls_args() {
  tls_args=(-h 127.0.0.1 -p "$mqtt_port" --cafile "$1")
  [ -z "$2" ] || tls_args+=(--cert "$2.pem" --key "$2.key")
}

# mqtt_watch CA_FILE CERT_BASE TOPIC OUT: a background subscriber printing "topic payload".
mqtt_watch() {
  mqtt_tls_args "$1" "$2"
  harness_start "$4" mosquitto_sub "${tls_args[@]}" -t "$3" -v -q 1
  watch_pid=$harness_last_pid
}


# mqtt_put CA_FILE CERT_BASE TOPIC MESSAGE: publish MESSAGE retained with QoS 1.
mqtt_put() {
  mqtt_tls_args "$1" "$2"
  mosquitto_pub "${tls_args[@]}" -t "$3" -m "$4" -q 1 -r 2>"$work/put.err" || true
}

# mqtt_wait_line FILE PATTERN SECONDS: wait until FILE has a line matching PATTERN.
mqtt_wait_line() {
  local tries=$(($3 * 10))
  while [ "$tries" -gt 0 ]; do
    grep -qE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}
