#!/usr/bin/env bash
# 5.9-2-2: the lock keeps its local function while its cloud link is cut. keeld runs in the
# audit's namespace; its broker (mosquitto, mutual TLS) in a second namespace, reached over a
# veth link. The IXIT's outage hook takes that link down and up again (ip link, run by the
# audit without a shell), and says how local function is exercised: unlock and lock through
# the local API, the state read back each time. keeld must PASS, and the events of the lock
# changes made while the link was down must reach the cloud only after the restore (the cut was
# real, the queue delivered them). Negative control: a "lock" whose local API is nginx in front
# of a keeld on the far side of the link (a device that needs its cloud) FAILs. A hook whose
# cut does not finish is undecided, and its restore runs all the same.
. "$(dirname "$0")/lib.sh"
work=$WORK # keeld_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
. "$(dirname "$0")/ixit_lib.sh"
command -v mosquitto >/dev/null || fail "mosquitto is not installed (scripts/bootstrap)"

# --- the cloud's namespace and the link ----------------------------------------------------
cloud_ns="keel-cloud-$$"
cloud_cleanup() {
    local status=$?
    ip netns pids "$cloud_ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$cloud_ns" 2>/dev/null
    (exit "$status")
    harness_cleanup
}
trap cloud_cleanup EXIT
ip netns add "$cloud_ns" || fail "cannot create the cloud's namespace"
in_cloud() { ip netns exec "$cloud_ns" "$@"; }
in_ns ip link add keel-cloud type veth peer name keel-dev || fail "no veth link"
in_ns ip link set keel-dev netns "$cloud_ns"
in_ns ip addr add 10.77.0.2/24 dev keel-cloud
in_ns ip link set keel-cloud up
in_cloud ip link set lo up
in_cloud ip addr add 10.77.0.1/24 dev keel-dev
in_cloud ip link set keel-dev up
# start_in_cloud LOG CMD...: like start_peer, in the cloud's namespace.
start_in_cloud() {
    local log=$1
    shift
    ip netns exec "$cloud_ns" "$@" >"$WORK/$log.log" 2>&1 </dev/null &
    harness_pids+=("$!")
}
cloud_port() { # PORT: wait until 10.77.0.1:PORT accepts, from the device's side
    harness_wait_port "$1" 10 10.77.0.1 || fail "nothing listens on 10.77.0.1:$1"
}

# --- the broker: the cloud's CA, mutual TLS, each device confined to its topics -------------
keeld_ca "$WORK/ca"
mqtt_pki_ca "$WORK/cloud" "keel test cloud CA"
mqtt_pki_leaf "$WORK/cloud" "$WORK/broker" broker serverAuth "DNS:broker.keel.test,IP:10.77.0.1"
mqtt_pki_leaf "$WORK/cloud" "$WORK/cloud-user" cloud clientAuth
mkdir -p "$WORK/broker-conf"
cat "$WORK/ca/ca.pem" "$WORK/cloud/ca.pem" >"$WORK/broker-conf/clients-ca.pem"
printf 'pattern readwrite keel/%%u/#\n\nuser cloud\ntopic read keel/#\n' >"$WORK/broker-conf/acl"
cat >"$WORK/broker-conf/mosquitto.conf" <<CONF
per_listener_settings false
persistence false
allow_anonymous false
acl_file $WORK/broker-conf/acl
log_dest stderr
connection_messages true
listener 8883 10.77.0.1
cafile $WORK/broker-conf/clients-ca.pem
certfile $WORK/broker.pem
keyfile $WORK/broker.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
CONF
chmod -R a+rX "$WORK/broker-conf" "$WORK/broker.pem" "$WORK/broker.key" "$WORK/cloud"
start_in_cloud mosquitto mosquitto -c "$WORK/broker-conf/mosquitto.conf"
cloud_port 8883
# The cloud's view: every event with the time it arrived.
start_in_cloud cloud-events mosquitto_sub -h 10.77.0.1 -p 8883 --cafile "$WORK/cloud/ca.pem" \
    --cert "$WORK/cloud-user.pem" --key "$WORK/cloud-user.key" -t 'keel/+/events' -q 1 \
    -F '%U %p'

# --- keeld with its cloud link: PASS ----------------------------------------------------------
keeld_provision "$WORK/dev" "$WORK/label.txt"
keeld_at "$WORK/dev" 8443 keeld --mqtt 10.77.0.1:8883 --mqtt-ca "$WORK/cloud/ca.pem" \
    --mqtt-name broker.keel.test
harness_wait_for "$WORK/keeld.log" "cloud: connected to 10.77.0.1:8883" 20 "$keeld_pid" >/dev/null ||
    fail "keeld did not reach its broker: $(tail -5 "$WORK/keeld.log" "$WORK/mosquitto.log")"
keeld_set_up 8443 "$WORK/label.txt" "resilient lock owner passphrase"
outage() { # MARK-PREFIX [CUT-COMMANDS-JSON] [TIMEOUT-MS]: the hook of this laboratory
    local cut=${2:-'[["ip","link","set","keel-cloud","down"]]'}
    jq -cn --arg w "$WORK/$1" --argjson cut "$cut" --argjson t "${3:-10000}" '{
        cut: ($cut + [["touch", ($w + "-cut.mark")]]),
        restore: [["ip", "link", "set", "keel-cloud", "up"], ["touch", ($w + "-restored.mark")]],
        timeout_ms: $t, settle_ms: 1500,
        local: {path: "/api/v1/lock", member: "locked",
                steps: [{body: {action: "unlock"}, expect: false},
                        {body: {action: "lock"}, expect: true}]}}'
}
keeld_ixit "$WORK/keeld-ixit.json" "$(outage keeld)" --listen 127.0.0.1 --port 8443 \
    --mqtt 10.77.0.1:8883
echo "resilient lock owner passphrase" >"$WORK/pw"
audit keeld --target 127.0.0.1:8443 --ixit "$WORK/keeld-ixit.json" --password - --only 5.9-2 <"$WORK/pw"
verdict keeld 5.9-2 5.9-2-2 PASS
says keeld 5.9-2 5.9-2-2 "^cut: ip link set keel-cloud down: exit 0 \\\\([0-9]+ ms\\\\)$"
says keeld 5.9-2 5.9-2-2 "^restore: ip link set keel-cloud up: exit 0 \\\\([0-9]+ ms\\\\)$"
for when in "link up" "link cut"; do
    says keeld 5.9-2 5.9-2-2 "^$when: POST /api/v1/lock \\\\{\\\"action\\\":\\\"unlock\\\"\\\\}: HTTP 200; GET: locked = false \\\\(expected false\\\\)$"
    says keeld 5.9-2 5.9-2-2 "^$when: POST /api/v1/lock \\\\{\\\"action\\\":\\\"lock\\\"\\\\}: HTTP 200; GET: locked = true \\\\(expected true\\\\)$"
done
says keeld 5.9-2 5.9-2-2 "^local function worked while the link was cut: 2 of 2 steps$"
grep -qx "keel audit: 5.9-2-2 using local function with the cloud link cut" "$WORK/keeld/stderr" ||
    fail "keeld: no progress line for 5.9-2-2"
[ -f "$WORK/keeld-cut.mark" ] && [ -f "$WORK/keeld-restored.mark" ] ||
    fail "the hook's commands did not all run"
in_ns ip link show keel-cloud | grep -q "state UP" || fail "the link is still down after the audit"
# The cut was real: the two lock changes made while it was down are the last two from the API;
# the cloud got them, and not before the link came back.
mapfile -t cut_seqs < <(sed -n 's/.*event=lock\.[a-z]* source=api seq=\([0-9]*\).*/\1/p' \
    "$WORK/keeld.log" | tail -n 2)
[ "${#cut_seqs[@]}" = 2 ] || fail "keeld logged no lock changes from the API"
restored=$(stat -c %.9Y "$WORK/keeld-restored.mark")
for seq in "${cut_seqs[@]}"; do
    mqtt_wait_line "$WORK/cloud-events.log" "\"seq\":$seq," 30 ||
        fail "event $seq never reached the cloud: $(cat "$WORK/cloud-events.log")"
    at=$(grep "\"seq\":$seq," "$WORK/cloud-events.log" | head -n 1 | cut -d' ' -f1)
    awk -v a="$at" -v r="$restored" 'BEGIN { exit !(a >= r) }' ||
        fail "event $seq reached the cloud at $at, before the link came back at $restored"
done
kill -0 "$keeld_pid" || fail "keeld stopped"
echo "ok: keeld locks and unlocks with its cloud link down; the events follow once it is back"

# --- negative control: a lock whose local API needs the cloud ------------------------------
keeld_provision "$WORK/far" "$WORK/far-label.txt"
harness_keeld_owns "$WORK/far"
start_in_cloud far "$KEELD_BIN" --data "$WORK/far" --listen 10.77.0.1 --port 8443
cloud_port 8443
nginx_at "
    server {
        listen 127.0.0.1:9443 ssl;
        location / {
            proxy_pass https://10.77.0.1:8443;
            proxy_connect_timeout 2s;
            proxy_read_timeout 5s;
        }
    }"
wait_port 9443
keeld_set_up 9443 "$WORK/far-label.txt" "cloud lock owner passphrase"
jq -n --argjson o "$(outage far)" '{interfaces: [], routes: [], outage: $o}' >"$WORK/far-ixit.json"
ixit_valid "$WORK/far-ixit.json"
echo "cloud lock owner passphrase" >"$WORK/far-pw"
audit far --target 127.0.0.1:9443 --ixit "$WORK/far-ixit.json" --password - --only 5.9-2 <"$WORK/far-pw"
verdict far 5.9-2 5.9-2-2 FAIL
says far 5.9-2 5.9-2-2 "^link up: POST /api/v1/lock .*: HTTP 200; GET: locked = false \\\\(expected false\\\\)$"
says far 5.9-2 5.9-2-2 "^the owner could not log in while the link was cut \\\\(HTTP 502\\\\)$"
[ -f "$WORK/far-restored.mark" ] || fail "far: the restore did not run"
in_ns ip link show keel-cloud | grep -q "state UP" || fail "far: the link is still down"
echo "ok: a lock that needs its cloud for local function fails 5.9-2-2"

# --- a hook that does not cut: undecided, and the restore still runs -------------------------
harness_stop "$nginx_pid" || true
keeld_provision "$WORK/dev3" "$WORK/label3.txt"
keeld_at "$WORK/dev3" 8445 keeld3
keeld_set_up 8445 "$WORK/label3.txt" "third lock owner passphrase"
jq -n --argjson o "$(outage hang '[["true"],["sleep","30"]]' 500)" \
    '{interfaces: [], routes: [], outage: $o}' >"$WORK/hang-ixit.json"
echo "third lock owner passphrase" >"$WORK/pw3"
audit hang --target 127.0.0.1:8445 --ixit "$WORK/hang-ixit.json" --password - --only 5.9-2 <"$WORK/pw3"
verdict hang 5.9-2 5.9-2-2 INCONCLUSIVE
says hang 5.9-2 5.9-2-2 "^cut: sleep 30: killed after [0-9]+ ms$"
says hang 5.9-2 5.9-2-2 "^the cut did not take \\\\(a cut command failed\\\\): nothing was tested offline$"
[ ! -f "$WORK/hang-cut.mark" ] || fail "hang: the cut went on past a failed command"
[ -f "$WORK/hang-restored.mark" ] || fail "hang: the restore did not run after a failed cut"
# No password: undecided, nothing cut.
audit hang-nopw --target 127.0.0.1:8445 --ixit "$WORK/hang-ixit.json" --only 5.9-2
verdict hang-nopw 5.9-2 5.9-2-2 INCONCLUSIVE
says hang-nopw 5.9-2 5.9-2-2 "^no credentials given \\\\(--password\\\\)"
grep -qx "keel audit: 5.9-2-2 using local function with the cloud link cut (skipped: no --password)" \
    "$WORK/hang-nopw/stderr" || fail "hang-nopw: no progress line saying why"
echo "ok: a cut that does not finish is undecided and restored; no password, no test"
echo "PASS: audit 5.9-2-2 (local function with the cloud link cut)"
