#!/usr/bin/env bash
# Personal data, consent and deletion in keel audit: the conceptual test cases over keeld's IXIT
# (5.8-3-1, 5.10-1-1, 5.11-1-1, 5.11-2-1, 6-1-1, 6-2-1, 6-4-1, 6-5-1) and the functional ones
# against a real keeld with a real broker (mosquitto, mutual TLS) in the audit's namespace:
#   6-3A-2   consent given through keeld's API, the lock used, the access-log copy seen on the
#            broker by the laboratory's own certificate; withdrawn, the lock used again, nothing;
#   5.11-2-2 / 5.11-4-1  the owner asks keeld to have the cloud delete their data; a stand-in
#            service on the broker confirms, keeld shows the confirmation;
#   5.11-1-2 canaries planted as PIN names, keeld reset through its API (it exits 75 and its
#            supervisor starts it again in its factory state), its data directory searched.
# Controls: a consent observation that sees nothing is undecided, not passed; without the data
# tree nothing is reset; and a leaky "lock" (a small HTTPS fixture) that keeps publishing after
# the withdrawal, keeps the planted names in plain files through its "reset" and never hears
# back from its service FAILs 6-3A-2, 5.11-1-2, 5.11-2-2 and 5.11-4-1.
. "$(dirname "$0")/lib.sh"
work=$WORK # keeld_lib.sh's and mqtt_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
. "$(dirname "$0")/ixit_lib.sh"
command -v mosquitto >/dev/null || fail "mosquitto is not installed (scripts/bootstrap)"
started=$SECONDS

# --- the cloud: a broker with mutual TLS, the service's and the laboratory's certificates -----
keeld_ca "$WORK/ca"
mqtt_pki_ca "$WORK/cloud" "keel test cloud CA"
mqtt_pki_leaf "$WORK/cloud" "$WORK/broker" broker serverAuth "DNS:broker.keel.test,IP:127.0.0.1"
mqtt_pki_leaf "$WORK/cloud" "$WORK/service" cloud clientAuth
mqtt_pki_leaf "$WORK/cloud" "$WORK/lab" lab clientAuth
mqtt_pki_leaf "$WORK/cloud" "$WORK/leaky-id" leaky clientAuth
mkdir -p "$WORK/broker-conf"
cat "$WORK/ca/ca.pem" "$WORK/cloud/ca.pem" >"$WORK/broker-conf/clients-ca.pem"
# Each device its own subtree; the service reads everything and answers deletion requests; the
# laboratory only reads.
printf '%s\n' 'pattern readwrite keel/%u/#' '' 'user cloud' 'topic read keel/#' \
    'topic write keel/+/privacy/deleted' '' 'user lab' 'topic read keel/#' >"$WORK/broker-conf/acl"
cat >"$WORK/broker-conf/mosquitto.conf" <<CONF
per_listener_settings false
persistence false
allow_anonymous false
acl_file $WORK/broker-conf/acl
log_dest stderr
listener 8883 127.0.0.1
cafile $WORK/broker-conf/clients-ca.pem
certfile $WORK/broker.pem
keyfile $WORK/broker.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
CONF
chmod -R a+rX "$WORK/broker-conf" "$WORK/broker.pem" "$WORK/broker.key" "$WORK/cloud"
start_peer mosquitto mosquitto -c "$WORK/broker-conf/mosquitto.conf"
wait_port 8883
cloud_tls=(-h 127.0.0.1 -p 8883 --cafile "$WORK/cloud/ca.pem")
# The associated service: every deletion request is confirmed with what it deleted.
cat >"$WORK/service.sh" <<'SH'
#!/bin/bash
mosquitto_sub "$@" -t 'keel/+/privacy/delete' -q 1 -v | while read -r topic payload; do
    id=$(jq -r .request <<<"$payload")
    echo "service: deleting for request $id"
    mosquitto_pub "$@" -t "${topic%/delete}/deleted" -q 1 \
        -m "$(jq -cn --arg id "$id" '{request: $id, items: 2}')"
done
SH
start_peer service bash "$WORK/service.sh" "${cloud_tls[@]}" --cert "$WORK/service.pem" \
    --key "$WORK/service.key"

# --- keeld, restarted by its supervisor when it exits to reboot (75) after a reset -----------
keeld_provision "$WORK/dev" "$WORK/label.txt"
serial=$(jq -r .serial "$WORK/dev/identity.json")
cat >"$WORK/supervise.sh" <<'SH'
#!/bin/bash
# A device's init: keeld again whenever it exits to reboot.
trap 'kill "$child" 2>/dev/null; wait "$child"; exit 143' TERM INT
while :; do
    "$@" &
    child=$!
    wait "$child"
    rc=$?
    [ "$rc" = 75 ] || exit "$rc"
    echo "supervisor: keeld exited to reboot; starting it again"
done
SH
harness_keeld_owns "$WORK/dev"
start_peer keeld bash "$WORK/supervise.sh" "$KEELD_BIN" --data "$WORK/dev" --listen 127.0.0.1 \
    --port 8443 --mqtt 127.0.0.1:8883 --mqtt-ca "$WORK/cloud/ca.pem" --mqtt-name broker.keel.test
keeld_pid=$harness_last_pid
wait_port 8443
harness_wait_for "$WORK/keeld.log" "cloud: connected to 127.0.0.1:8883" 20 "$keeld_pid" >/dev/null ||
    fail "keeld did not reach its broker: $(tail -5 "$WORK/keeld.log" "$WORK/mosquitto.log")"
owner="privacy test owner passphrase"
keeld_set_up 8443 "$WORK/label.txt" "$owner"
echo "$owner" >"$WORK/pw"
observer() { # TOPIC: the laboratory's observer on the broker
    jq -cn --arg w "$WORK" --arg t "$1" \
        '{host: "127.0.0.1", port: 8883, ca: ($w + "/cloud/ca.pem"), cert: ($w + "/lab.pem"),
          key: ($w + "/lab.key"), topic: $t}'
}
describe=(--listen 127.0.0.1 --port 8443 --mqtt 127.0.0.1:8883)
keeld_ixit_observed "$WORK/keeld-ixit.json" null "$(observer "keel/$serial/accesslog")" \
    "${describe[@]}"
echo "ok: keeld with its broker, service and IXIT ($((SECONDS - started)) s)"

# --- controls on keeld first (they leave it as it was): a blind observation, no data tree ---
jq --arg t "keel/$serial/nothing" '.consent_check.observe.mqtt.topic = $t
    | .consent_check.wait_ms = 1500' "$WORK/keeld-ixit.json" >"$WORK/blind-ixit.json"
ixit_valid "$WORK/blind-ixit.json"
audit blind --target 127.0.0.1:8443 --ixit "$WORK/blind-ixit.json" --password - \
    --only 6-3A,5.11-1 <"$WORK/pw"
verdict blind 6-3A 6-3A-2 INCONCLUSIVE
says blind 6-3A 6-3A-2 "^keel/$serial/nothing: 0 message\\\\(s\\\\) while consent was given within 1500 ms$"
says blind 6-3A 6-3A-2 "^nothing arrived while consent was given: the observation does not work"
says blind 6-3A 6-3A-2 "^consent for access_log_sync withdrawn: POST /api/v1/privacy/consent: HTTP 200$"
jq_expect blind "$(test_case 6-3A 6-3A-2) | .evidence | all(startswith(\"trigger after\") | not)"
verdict blind 5.11-1 5.11-1-2 INCONCLUSIVE
says blind 5.11-1 5.11-1-2 "^data tree not given \\\\(--device-data\\\\): the device was not reset$"
jq_expect blind "$(provision 5.11-4) | .tests == []"
grep -qx "keel audit: 5.11-1-2 planting canaries, resetting the device, searching its data (skipped: no --device-data)" \
    "$WORK/blind/stderr" || fail "blind: no progress line saying why 5.11-1-2 did not run"
echo "ok: an observation that sees nothing is undecided; without the data tree nothing is reset"

# --- keeld: the whole privacy audit --------------------------------------------------------
only=5.8-3,5.10-1,5.11-1,5.11-2,5.11-4,6-1,6-2,6-3A,6-4,6-5
audit keeld --target 127.0.0.1:8443 --ixit "$WORK/keeld-ixit.json" --password - \
    --device-data "$WORK/dev" --only "$only" <"$WORK/pw"
for c in 5.8-3:5.8-3-1 5.10-1:5.10-1-1 5.11-1:5.11-1-1 5.11-2:5.11-2-1 6-1:6-1-1 6-2:6-2-1 \
    6-4:6-4-1 6-5:6-5-1; do
    verdict keeld "${c%%:*}" "${c#*:}" PASS
    jq_expect keeld "$(test_case "${c%%:*}" "${c#*:}") | .kind == \"conceptual\""
done
says keeld 6-2 6-2-1 "^access_log_sync: off by default, given and withdrawn at POST /api/v1/privacy/consent"
says keeld 5.10-1 5.10-1-1 "^examined for security anomalies by: "
verdict keeld 6-3A 6-3A-2 PASS
jq_expect keeld "$(test_case 6-3A 6-3A-2) | .kind == \"functional\""
says keeld 6-3A 6-3A-2 "^keel/$serial/accesslog: [1-9][0-9]* message\\\\(s\\\\) while consent was given, the first [0-9]+ ms after the trigger$"
says keeld 6-3A 6-3A-2 "^keel/$serial/accesslog: 0 message\\\\(s\\\\) in the [0-9]+ ms after the withdrawal$"
says keeld 6-3A 6-3A-2 "^nothing arrived for [0-9]+ ms after the withdrawal, though the trigger fired again: the processing stopped$"
for c in 5.11-2:5.11-2-2 5.11-4:5.11-4-1; do
    verdict keeld "${c%%:*}" "${c#*:}" PASS
    says keeld "${c%%:*}" "${c#*:}" "^request: POST /api/v1/privacy/cloud-delete: HTTP 202: "
done
says keeld 5.11-4 5.11-4-1 "^the device shows the owner the confirmation: .*\\\"state\\\":\\\"confirmed\\\""
grep -q "service: deleting for request" "$WORK/service.log" || fail "the service saw no request"
verdict keeld 5.11-1 5.11-1-2 PASS
says keeld 5.11-1 5.11-1-2 "^user data 0: POST /api/v1/pins with canary kc[a-z0-9]{6}\\\\.\\\\.\\\\.: HTTP 20[01]$"
says keeld 5.11-1 5.11-1-2 "^reset: POST /api/v1/reset: HTTP 200: "
says keeld 5.11-1 5.11-1-2 "^the device answered again [0-9]+ ms after the reset: HTTP "
says keeld 5.11-1 5.11-1-2 "^the owner's password after the reset: HTTP 401, refused$"
says keeld 5.11-1 5.11-1-2 "^after the reset: [0-9]+ file\\\\(s\\\\), [0-9]+ bytes of $WORK/dev searched .*: 0 with a canary$"
jq_expect keeld "$(provision 5.1-1) | .tests == []"
[ "$(grep -c "supervisor: keeld exited to reboot" "$WORK/keeld.log")" = 1 ] ||
    fail "keeld did not exit to reboot exactly once: $(tail -5 "$WORK/keeld.log")"
# The reset was real: the label's password opens the lock's setup again, the owner's does not.
[ "$(in_ns curl -sk --max-time 10 -o /dev/null -w '%{http_code}' \
    -d "$(jq -cn --arg p "$(field password "$WORK/label.txt")" '{password: $p}')" \
    https://127.0.0.1:8443/api/v1/login)" = 200 ] || fail "the label's password does not work after the reset"
echo "ok: keeld passes the privacy test cases, and the reset left it in its factory state ($((SECONDS - started)) s)"

# --- negative control: a leaky lock ----------------------------------------------------------
mkdir -p "$WORK/leaky-data"
cat >"$WORK/leaky.py" <<'PY'
# A "lock" that keeps the owner's data in plain files through its "reset", publishes the access
# log whether or not consent is given, and never hears back from its service.
import json, ssl, subprocess, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

cert, key, data, pub = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

class Lock(BaseHTTPRequestHandler):
    def answer(self, status, obj=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/api/v1/privacy/cloud-delete":
            self.answer(200, {"state": "pending", "request": "r1"})
        else:
            self.answer(401, {"error": "unauthorized"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/api/v1/login":
            self.answer(200, {"token": "leaky-session"})
        elif self.path == "/api/v1/logout":
            self.answer(204)
        elif self.path == "/api/v1/lock":
            subprocess.run(pub + ["-m", '{"event":"locked","who":"owner"}'], check=False)
            self.answer(200, {"locked": True})
        elif self.path == "/api/v1/pins":
            with open(data + "/pins.json", "ab") as f:
                f.write(body + b"\n")
            self.answer(201, {"id": 1})
        elif self.path == "/api/v1/privacy/cloud-delete":
            self.answer(202, {"state": "pending", "request": "r1"})
        elif self.path in ("/api/v1/privacy/consent", "/api/v1/reset"):
            self.answer(200, {})
        else:
            self.answer(404, {"error": "not found"})

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 9443), Lock)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
start_peer leaky /usr/bin/python3 "$WORK/leaky.py" "$WORK/cert.pem" "$WORK/key.pem" \
    "$WORK/leaky-data" mosquitto_pub "${cloud_tls[@]}" --cert "$WORK/leaky-id.pem" \
    --key "$WORK/leaky-id.key" -t keel/leaky/accesslog -q 1
wait_port 9443
jq -n --argjson mqtt "$(observer keel/leaky/accesslog)" '{
    interfaces: [], routes: [],
    telemetry: null, sensing: [],
    deletion: {reset: {method: "POST", path: "/api/v1/reset", body: {password: "{password}"},
                       restarts: false},
               user_data: [{method: "POST", path: "/api/v1/pins", body: {name: "{canary}"}}],
               service: {request: {method: "POST", path: "/api/v1/privacy/cloud-delete"},
                         status: {path: "/api/v1/privacy/cloud-delete", field: "state",
                                  confirmed: "confirmed", timeout_ms: 1500}},
               instructions: "nowhere"},
    consent_check: {purpose: "access_log_sync", route: "/api/v1/privacy/consent",
                    trigger: {method: "POST", path: "/api/v1/lock", body: {action: "lock"}},
                    observe: {mqtt: $mqtt}, wait_ms: 5000, quiet_ms: 1500}}' >"$WORK/leaky-ixit.json"
ixit_valid "$WORK/leaky-ixit.json"
audit leaky --target 127.0.0.1:9443 --ixit "$WORK/leaky-ixit.json" --password - \
    --device-data "$WORK/leaky-data" --only 6-3A,5.11-1,5.11-2,5.11-4,5.10-1,6-4,6-5,5.8-3 <"$WORK/pw"
verdict leaky 6-3A 6-3A-2 FAIL
says leaky 6-3A 6-3A-2 "^[1-9][0-9]* message\\\\(s\\\\) arrived within [0-9]+ ms after the withdrawal: the processing did not stop$"
verdict leaky 5.11-1 5.11-1-2 FAIL
says leaky 5.11-1 5.11-1-2 "^pins.json: canary kc[a-z0-9]{6}\\\\.\\\\.\\\\. \\\\(user data 0\\\\) at offset [0-9]+$"
says leaky 5.11-1 5.11-1-2 "^canaries remain in 1 file\\\\(s\\\\) of the data tree after the reset: user data was not erased$"
says leaky 5.11-1 5.11-1-2 "^the owner's password still opens a session after the reset: the owner's data was not erased$"
jq_expect leaky "$(test_case 5.11-1 5.11-1-2) | .evidence | all(test(\"kc[a-z0-9]{22}\") | not)"
for c in 5.11-2:5.11-2-2 5.11-4:5.11-4-1; do
    verdict leaky "${c%%:*}" "${c#*:}" FAIL
    says leaky "${c%%:*}" "${c#*:}" "^no confirmation within 1500 ms: the field stayed \\\"pending\\\"$"
done
for c in 5.10-1:5.10-1-1 6-4:6-4-1 6-5:6-5-1 5.8-3:5.8-3-1; do
    verdict leaky "${c%%:*}" "${c#*:}" N/A
done
grep -q "^result: [0-9]* mandatory provision(s) FAIL$" "$WORK/leaky/stdout" ||
    fail "leaky: 6-3A and 5.11-1 are mandatory: the audit must say it fails"
echo "ok: a lock that keeps processing, keeps the data and gets no confirmation fails"
echo "PASS: audit privacy (6-3A-2, 5.11-1-2, 5.11-2-2, 5.11-4-1 and the conceptual test cases) in $((SECONDS - started)) s"
