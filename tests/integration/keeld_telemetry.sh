#!/bin/bash
# keeld's security telemetry and the owner's data on the MQTT link (5.10-1, 5.11-2, 5.11-4,
# 6-3A, 6-4), with a real keeld and a real mosquitto over mutual TLS on loopback; a "cloud"
# client with its own certificate watches every topic of the device and plays the service:
#   (a) every connection queues link.up; wrong passwords on the local API become auth.failure
#       events (and the wait they earn auth.lockout) on keel/<serial>/events, each a
#       keel/events.h object: exactly its eight members, "device" a pseudonym of 32 hex digits
#       that is not the serial and stays the same across a restart;
#   (b) with the owner's consent (POST /api/v1/privacy/consent) an unlock by PIN sends a copy
#       of the access-log entry, with who, to keel/<serial>/accesslog, also when it was
#       queued while the broker was away; consent withdrawn while the broker is down with
#       copies queued: when the broker returns none of them arrives, nor anything for the
#       unlocks that follow, while the events still flow;
#   (c) POST /api/v1/privacy/cloud-delete sends the request to keel/<serial>/privacy/delete,
#       again at every connection while pending; a confirmation with another id and a
#       retained confirmation leave it pending; the service's right confirmation on
#       keel/<serial>/privacy/deleted makes GET /api/v1/privacy/cloud-delete say confirmed,
#       with the number of items;
# and no message on any topic carries the client's address, a PIN, a password, and none but
# the consented access-log copies a PIN holder's name (6-4).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
began=$SECONDS

# Values planted so that any leak can be searched for in every message.
holder="Zebulon Canarywood"
pin=583920
wrong="canary-wrong-passphrase-"
owner="the owner's canary passphrase 7"

# --- the device and the cloud -----------------------------------------------------------
keeld_provision "$work/dev" "$work/label"
pw=$(field password "$work/label")
serial=$(jq -r .serial "$work/dev/identity.json")
mqtt_pki_ca "$work/cloud" "keel test cloud CA"
mqtt_pki_leaf "$work/cloud" "$work/broker-id" broker serverAuth "DNS:broker.keel.test,IP:127.0.0.1"
mqtt_pki_leaf "$work/cloud" "$work/service" cloud clientAuth # the ACL's user "cloud"
cat "$work/ca/ca.pem" "$work/cloud/ca.pem" >"$work/clients-ca.pem"
cloud_ca=$work/cloud/ca.pem
mqtt_broker_start "$work/clients-ca.pem" "$work/broker-id.pem" "$work/broker-id.key"
harness_stop "$mqtt_pid" || true
# The broker keeps the watcher's session across its restarts, so nothing published while the
# watcher reconnects is lost (the service may answer deletion requests: mqtt_lib.sh's ACL).
mkdir -p "$work/broker/db"
chmod 0777 "$work/broker/db"
sed -i 's/^persistence false$/persistence true/' "$work/broker/mosquitto.conf"
echo "persistence_location $work/broker/db/" >>"$work/broker/mosquitto.conf"
mqtt_tls_args "$cloud_ca" "$work/service"
service=("${tls_args[@]}")

broker=0
watch_pid=""
# broker_up: the broker, and the watcher on its persistent session (keel/#, QoS 1).
broker_up() {
  broker=$((broker + 1))
  harness_start "$work/mosquitto-$broker.log" mosquitto -c "$work/broker/mosquitto.conf"
  mqtt_pid=$harness_last_pid
  harness_wait_port "$mqtt_port" 10 ||
    keeld_fail "mosquitto does not start: $(cat "$work/mosquitto-$broker.log")"
  # The first time, the session's subscription is made (and acknowledged) before anything
  # else happens; later the broker keeps for the session what comes while it reconnects.
  [ "$broker" -gt 1 ] ||
    mosquitto_sub "${service[@]}" -i cloud-watch -c -q 1 -t 'keel/#' -E >/dev/null 2>&1 ||
    keeld_fail "the watcher cannot subscribe"
  harness_start "$work/watch-$broker.out" mosquitto_sub "${service[@]}" -i cloud-watch -c -q 1 \
    -t 'keel/#' -v
  watch_pid=$harness_last_pid
}
# broker_down: the watcher leaves (its session stays), the broker stops, keeld notices.
broker_down() {
  kill "$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  harness_stop "$mqtt_pid" || true
  harness_wait_for "$work/keeld.run" "cloud: (lost the link|no link) to" 10 "$keeld_pid" ||
    keeld_fail "keeld did not notice the broker going"
}
messages() { cat "$work"/watch-*.out; }
# on TOPIC: the payloads seen on keel/<serial>/TOPIC, one a line.
on() { messages | sed -n "s|^keel/$serial/$1 ||p"; }
# count_on TOPIC FILTER: how many payloads on TOPIC are JSON for which the jq FILTER holds.
count_on() { on "$1" | jq -R --arg h "$holder" "fromjson? | select($2)" | jq -s length; }
# wait_on TOPIC FILTER [COUNT]: until COUNT (default 1) payloads on TOPIC pass FILTER.
wait_on() {
  local n=${3:-1}
  for _ in $(seq 150); do
    [ "$(count_on "$1" "$2")" -ge "$n" ] && return 0
    sleep 0.1
  done
  keeld_fail "keel/$serial/$1: fewer than $n messages with $2: $(on "$1")"
}
connections() { grep -c "cloud: connected to" "$work/keeld.run" || true; }
device_start() {
  keeld_start "$work/dev" --mqtt "127.0.0.1:$mqtt_port" --mqtt-ca "$cloud_ca" \
    --mqtt-name broker.keel.test
  harness_wait_for "$work/keeld.run" "cloud: connected to 127.0.0.1:$mqtt_port" 15 "$keeld_pid" ||
    keeld_fail "keeld did not connect"
}
keypad() { # LINE...: each line to the keypad's socket, each answer printed
  python3 - "$work/dev/keypad.sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rb")
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    print(f.readline().decode().rstrip("\n"))
PY
}

broker_up
device_start

# --- (a) link.up, auth.failure, auth.lockout: keel/events.h objects ----------------------
wait_on events '.event == "link.up"'
token=$(login "$pw")
r=$(call POST /api/v1/password -H "Authorization: Bearer $token" -d "$(password_body "$pw" "$owner")")
expect "the owner's password" "$r" "204 "
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
wait_on events '.event == "auth.password_changed"'
# Five wrong passwords: each counted, the fifth makes the client wait (keeld_guard.sh).
for i in 1 2 3 4 5; do
  r=$(call POST /api/v1/login -d "$(login_body "$wrong$i")")
  expect "wrong password $i" "${r%% *}" 401
done
wait_on events '.event == "auth.failure" and .source == "api"' 5
wait_on events '.event == "auth.lockout" and .source == "api"'
# Every event: exactly the eight members of keel/events.h, of their types and shapes.
check_events() {
  on events | jq -e -s --arg serial "$serial" '
    length > 0 and all(.[];
      (keys == ["device","dropped","event","firmware","locked","seq","source","time"]) and
      (.seq | type == "number" and . >= 0 and . == floor) and
      (.dropped | type == "number" and . >= 0 and . == floor) and
      (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")) and
      (.event | test("^[a-z0-9_.]{1,31}$")) and (.source | test("^[a-z]{1,15}$")) and
      (.locked | type == "boolean") and (.firmware | test("^[0-9A-Za-z.+-]{1,31}$")) and
      (.device | test("^[0-9a-f]{32}$")) and (.device | contains($serial) | not))' \
    >/dev/null || keeld_fail "events not of the keel/events.h shape: $(on events)"
}
check_events
device=$(on events | head -n 1 | jq -r .device)
[ "$(on events | jq -r .device | sort -u)" = "$device" ] ||
  keeld_fail "events carry more than one device pseudonym: $(on events | jq -r .device | sort -u)"
echo "ok: (a) link.up on connecting; 5 wrong passwords: 5 auth.failure and 1 auth.lockout," \
  "keel/events.h objects from pseudonym $device (not the serial $serial)"

# --- (b) consent: copies of the access log only while granted ---------------------------
r=$(call POST /api/v1/pins "${auth[@]}" -d "$(jq -cn --arg n "$holder" --arg p "$pin" '{name:$n,pin:$p}')")
expect "a PIN added" "${r%% *}" 201
expect "unlock without consent" "$(keypad "PIN $pin" LOCK | tr '\n' '|')" "OK unlocked|OK locked|"
r=$(call POST /api/v1/privacy/consent "${auth[@]}" -d '{"purpose":"access_log_sync","granted":true}')
expect "consent granted" "${r%% *} $(jq -c '.consents[0] | [.purpose, .granted]' "$work/body")" \
  '200 ["access_log_sync",true]'
expect "unlock with consent" "$(keypad "PIN $pin")" "OK unlocked"
unlocked='.event == "unlocked" and .source == "keypad" and .who == $h'
wait_on accesslog "$unlocked"
on accesslog | jq -e -s 'all(.[]; keys - ["who"] == ["event","seq","source","time"])' >/dev/null ||
  keeld_fail "an access-log copy of another shape: $(on accesslog)"
[ "$(count_on accesslog '.event == "unlocked"')" -eq 1 ] ||
  keeld_fail "the unlock before the consent was copied too: $(on accesslog)"
# Queued while the broker is away, delivered when it returns.
broker_down
expect "offline unlock" "$(keypad LOCK "PIN $pin" | tr '\n' '|')" "OK locked|OK unlocked|"
broker_up
wait_on accesslog "$unlocked" 2
echo "ok: (b) with consent, unlocks by PIN reach keel/$serial/accesslog with who, also" \
  "when queued offline"

# settle: until every copy queued so far is in (a reconnection's link.up has one too): what
# keeld says it delivered, the cloud has, and that stays so for half a second; the count
# into $copies.
delivered() { grep -c "cloud: delivered access-log copy" "$work/keeld.run" || true; }
settle() {
  local n
  copies=-1
  for _ in $(seq 50); do
    n=$(on accesslog | wc -l)
    [ "$n" -eq "$copies" ] && [ "$n" -eq "$(delivered)" ] && return 0
    copies=$n
    sleep 0.5
  done
  keeld_fail "the copies do not settle: $(on accesslog)"
}
consent() { # true|false
  r=$(call POST /api/v1/privacy/consent "${auth[@]}" \
    -d "{\"purpose\":\"access_log_sync\",\"granted\":$1}")
  expect "consent $1" "${r%% *} $(jq -c '.consents[0].granted' "$work/body")" "200 $1"
}
# no_copies_after_withdrawal WHAT: the broker is back; once the withdrawal's own event is in
# (so is all queued before it) and an unlock made afterwards has reached the cloud as an
# event, no copy has come since $copies.
no_copies_after_withdrawal() {
  local last
  wait_on events '.event == "consent.withdrawn"' "$withdrawals"
  expect "$1: unlock after the withdrawal" "$(keypad LOCK "PIN $pin" | tr '\n' '|')" \
    "OK locked|OK unlocked|"
  last=$(grep -o 'event=lock\.unlocked source=keypad seq=[0-9]*' "$work/keeld.run" |
    tail -n 1 | sed 's/.*seq=//')
  [ -n "$last" ] || keeld_fail "keeld logged no keypad unlock"
  wait_on events ".seq == $last"
  sleep 1 # a copy sent in the same round as that event would be in by now
  [ "$(on accesslog | wc -l)" -eq "$copies" ] && [ "$(delivered)" -eq "$copies" ] ||
    keeld_fail "$1: copies went after the consent was withdrawn: $(on accesslog)"
}

# Withdrawn while a copy is in flight to a broker that hangs (stopped: it takes the bytes
# and never acknowledges), the broker then dies: libmosquitto would resend the copy on the
# next connection by itself; keeld's fresh client must not.
settle
withdrawals=1
kill -STOP "$mqtt_pid"
sent=$(grep -c "cloud: sent access-log copy" "$work/keeld.run" || true)
expect "unlock to a hung broker" "$(keypad "PIN $pin")" "OK unlocked"
for _ in $(seq 100); do # the link thread's next round publishes it; no PUBACK can come
  [ "$(grep -c "cloud: sent access-log copy" "$work/keeld.run" || true)" -gt "$sent" ] && break
  sleep 0.1
done
consent false
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
kill -KILL "$mqtt_pid"
{ wait "$mqtt_pid" || true; } 2>/dev/null # (bash would report the kill)
harness_wait_for "$work/keeld.run" "cloud: a fresh client: the access-log copy in flight" 15 \
  "$keeld_pid" || keeld_fail "no copy was in flight when the broker died, or it was kept"
broker_up
no_copies_after_withdrawal "in flight"
echo "ok: (b) consent withdrawn with a copy in flight to a hung broker: it is not resent" \
  "after the broker returns"

# Withdrawn while the broker is down with copies queued: none arrives, nothing new goes.
consent true
settle
broker_down
expect "offline unlocks" "$(keypad LOCK "PIN $pin" LOCK "PIN $pin" | tr '\n' '|')" \
  "OK locked|OK unlocked|OK locked|OK unlocked|"
consent false
withdrawals=2
broker_up
no_copies_after_withdrawal "offline"
echo "ok: (b) consent withdrawn with copies queued offline: none of them and nothing later" \
  "reached the cloud; the events still flow"

# --- (c) the owner asks the service to delete their data ---------------------------------
r=$(call POST /api/v1/privacy/cloud-delete "${auth[@]}" -d '{}')
[[ $r =~ ^202\  ]] || keeld_fail "cloud-delete: $r"
expect "cloud-delete state" "$(jq -r .state "$work/body")" pending
request=$(jq -r .request "$work/body")
[[ $request =~ ^[0-9a-f]{32}$ ]] || keeld_fail "request id '$request'"
wait_on privacy/delete ".request == \"$request\""
on privacy/delete | jq -e -s --arg id "$request" 'all(.[]; keys == ["request","requested"] and
  .request == $id and (.requested | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")))' \
  >/dev/null || keeld_fail "a deletion request of another shape: $(on privacy/delete)"
# deleted MESSAGE [options]: the service's answer
deleted() {
  mosquitto_pub "${service[@]}" -q 1 -t "keel/$serial/privacy/deleted" -m "$1" "${@:2}" ||
    keeld_fail "the service cannot publish on privacy/deleted"
}
state() { call GET /api/v1/privacy/cloud-delete "${auth[@]}" >/dev/null; jq -r .state "$work/body"; }
other=$(printf '%s' "$request" | tr '0-9a-f' '1-9a-f0')
deleted "{\"request\":\"$other\",\"items\":3}"
harness_wait_for "$work/keeld.run" "ignored a deletion confirmation for request $other" 10 \
  "$keeld_pid" || keeld_fail "the confirmation with another id was not seen and ignored"
expect "after another id" "$(state)" pending
# Retained: handed over again at connection, refused; the request goes again meanwhile.
keeld_stop
deleted "{\"request\":\"$request\",\"items\":3}" -r
device_start
harness_wait_for "$work/keeld.run" "cloud: refused a retained deletion confirmation" 10 \
  "$keeld_pid" || keeld_fail "the retained confirmation was not refused"
wait_on privacy/delete ".request == \"$request\"" 2
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
expect "after a retained confirmation" "$(state)" pending
mosquitto_pub "${service[@]}" -q 1 -t "keel/$serial/privacy/deleted" -r -n # cleared
deleted "{\"request\":\"$request\",\"items\":3}"
harness_wait_for "$work/keeld.run" "the service confirmed deletion request $request \(3 items\)" \
  10 "$keeld_pid" || keeld_fail "the confirmation was not taken"
expect "confirmed" "$(state) $(jq -c '[.request == "'"$request"'", .items, (.confirmed | type)]' \
  "$work/body")" 'confirmed [true,3,"string"]'
echo "ok: (c) the deletion request reached the service (again after reconnecting); another id" \
  "and a retained reply left it pending; the service's confirmation shows with 3 items"

# --- the pseudonym across the restart; nothing personal in any message -------------------
[ "$(on events | grep -c '"event":"link.up"')" -ge 4 ] || keeld_fail "a connection without link.up"
check_events
[ "$(on events | jq -r .device | sort -u)" = "$device" ] ||
  keeld_fail "the pseudonym changed across the restart: $(on events | jq -r .device | sort -u)"
messages >"$work/all.out"
for secret in "$pin" "$wrong" "$owner" "$pw" "127.0.0.1"; do
  ! grep -qF -- "$secret" "$work/all.out" || keeld_fail "'$secret' reached the broker"
done
! grep -v "^keel/$serial/accesslog " "$work/all.out" | grep -qF -- "Canarywood" ||
  keeld_fail "a PIN holder's name reached the broker outside the consented copies"
echo "ok: $(wc -l <"$work/all.out") messages, none carrying the client's address, a PIN or a" \
  "password, the holder's name only in the $copies consented copies; pseudonym stable" \
  "across the restart ($((SECONDS - began)) s)"
keeld_stop
