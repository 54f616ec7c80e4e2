#!/bin/bash
# The lock without its cloud (5.9-2) and the cloud's commands (5.13-1A), with a real keeld
# (identity key in a TPM, swtpm), a real mosquitto over mutual TLS, and an update repository
# that is never there:
#   (a) keeld starts with the broker down and the update server gone; locking and unlocking
#       work from the keypad (its socket) and from the local HTTPS API all the same;
#   (b) when the broker returns, every event queued meanwhile reaches the cloud: all of
#       them, in order of seq, contiguous, none twice, none carrying a PIN holder's name;
#   (c) after a restart of keeld nothing is sent again but the new connection's link.up;
#   (d) cloud commands lock, unlock and state work and are answered; malformed, oversized
#       and retained commands get an error reply and change nothing.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
model=keel-lock

# --- the device: on a TPM, flashed from a repository whose server never runs -------------
harness_swtpm "$work/tpm" || keeld_fail "swtpm does not start"
spec="tpm2:$harness_tcti"
"$KEEL_BIN" release init --repo "$work/repo" --keys "$work/keys" >/dev/null ||
  keeld_fail "keel release init"
mkdir -p "$work/img/bin"
cp "$KEELD_BIN" "$work/img/bin/keeld"
tar -C "$work/img" -cf "$work/$model-1.0.0.tar" bin
"$KEEL_BIN" release add --repo "$work/repo" --keys "$work/keys" --file "$work/$model-1.0.0.tar" \
  --name "$model-1.0.0.tar" --hardware-id "$model" --version 1.0.0 --security-version 1 \
  --fixes "first release" --risks "none" --interrupts 30 >/dev/null || keeld_fail "keel release add"
"$KEEL_BIN" release publish --repo "$work/repo" --keys "$work/keys" >/dev/null ||
  keeld_fail "keel release publish"
keeld_provision "$work/dev" "$work/label" --rot "$spec" --model "$model"
"$KEEL_BIN" flash --data "$work/dev" --repo "$work/repo" --target "$model-1.0.0.tar" \
  >/dev/null 2>"$work/flash.log" || keeld_fail "keel flash: $(cat "$work/flash.log")"
harness_keeld_owns "$work/dev"
keeld_ca "$work/repo-ca"
port_pick
update_url=https://127.0.0.1:$picked # nothing listens there
pw=$(field password "$work/label")
serial=$(jq -r .serial "$work/dev/identity.json")

# --- the cloud: its CA, the broker's and the cloud's certificates --------------------------
mqtt_pki_ca "$work/cloud" "keel test cloud CA"
mqtt_pki_leaf "$work/cloud" "$work/broker-id" broker serverAuth "DNS:broker.keel.test,IP:127.0.0.1"
mqtt_pki_leaf "$work/cloud" "$work/cloud-user" cloud clientAuth
cat "$work/ca/ca.pem" "$work/cloud/ca.pem" >"$work/clients-ca.pem"
cloud_ca=$work/cloud/ca.pem
mqtt_broker_start "$work/clients-ca.pem" "$work/broker-id.pem" "$work/broker-id.key"
# The cloud may send commands; the broker keeps sessions across its restart, so that the
# cloud's subscription to the events exists before keeld can possibly reconnect.
echo "topic write keel/+/command" >>"$work/broker/acl"
mkdir -p "$work/broker/db"
chmod 0777 "$work/broker/db"
sed -i 's/^persistence false$/persistence true/' "$work/broker/mosquitto.conf"
echo "persistence_location $work/broker/db/" >>"$work/broker/mosquitto.conf"
harness_stop "$mqtt_pid" || true
broker_up() {
  harness_start "$work/mosquitto-$1.log" mosquitto -c "$work/broker/mosquitto.conf"
  mqtt_pid=$harness_last_pid
  harness_wait_port "$mqtt_port" 10 || keeld_fail "mosquitto does not start: $(cat "$work/mosquitto-$1.log")"
}
mqtt_tls_args "$cloud_ca" "$work/cloud-user"
cloud_args=("${tls_args[@]}")
broker_up 1
mosquitto_sub "${cloud_args[@]}" -i cloud-events -c -q 1 -t 'keel/+/events' -W 2 -C 1 \
  >/dev/null 2>&1 || true # only to leave the persistent subscription behind
harness_stop "$mqtt_pid" || true # the broker is down (its sessions saved) before keeld starts

# --- (a) offline: the broker down, the update server gone ---------------------------------
# keeld.run is emptied first: keeld_start reuses the port, and its wait could otherwise see
# the previous run's "listening" line before the new process has truncated the file.
# device_start [keeld options]: only the first start names the update repository; each
# start would check it 1 to 10 s later and queue the failure as a security event
# (update.refused) in the middle of the counts that the later parts make.
device_start() {
  : >"$work/keeld.run"
  keeld_start "$work/dev" --rot "$spec" --mqtt "127.0.0.1:$mqtt_port" --mqtt-ca "$cloud_ca" \
    --mqtt-name broker.keel.test "$@"
}
device_start --update "$update_url" --update-ca "$work/repo-ca/ca.pem"
harness_wait_for "$work/keeld.run" "cloud: no link to 127.0.0.1:$mqtt_port .*retrying in [0-9]+ ms" \
  10 "$keeld_pid" || keeld_fail "keeld did not try the absent broker"

# keypad LINE...: each line to the keypad's socket, each answer printed.
keypad() {
  python3 - "$work/dev/keypad.sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        reply += chunk
    print(reply.decode().rstrip("\n"))
PY
}
expect "keypad lock, button, button" "$(keypad LOCK BUTTON BUTTON | tr '\n' '|')" \
  "OK locked|OK unlocked|OK locked|"
expect "door sensor" "$(keypad "DOOR OPEN" "DOOR CLOSED" | tr '\n' '|')" "OK|OK|"

token=$(login "$pw")
owner="an owner's own passphrase 7"
r=$(call POST /api/v1/password -H "Authorization: Bearer $token" -d "$(password_body "$pw" "$owner")")
expect "the owner's password" "$r" "204 "
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
r=$(call POST /api/v1/lock "${auth[@]}" -d '{"action":"unlock"}')
expect "API unlock" "${r%% *} $(jq -c .locked "$work/body")" "200 false"
r=$(call POST /api/v1/lock "${auth[@]}" -d '{"action":"lock"}')
expect "API lock" "${r%% *} $(jq -c .locked "$work/body")" "200 true"
r=$(call POST /api/v1/pins "${auth[@]}" -d '{"name":"Alice Example","pin":"480264"}')
expect "a PIN added" "${r%% *}" 201
expect "the PIN opens" "$(keypad "PIN 480264")" "OK unlocked"
expect "keypad lock" "$(keypad LOCK)" "OK locked"
# (the failed update check is a security event too: it is queued before the count is taken)
harness_wait_for "$work/keeld.run" "event=update\.[a-z-]+ .*error=" 15 "$keeld_pid" ||
  keeld_fail "the update check did not run (and fail) while the server is gone"
r=$(call GET /api/v1/lock "${auth[@]}")
expect "state while offline" "${r%% *} $(jq -c '[.locked, .door]' "$work/body")" \
  '200 [true,"closed"]'
queued=$(jq .queued "$work/body")
# The device's own record of what it queued: "event=lock.E source=S seq=N" per event.
logged() {
  sed -n 's/.*event=lock\.\([a-z_.]*\) source=\([a-z]*\) seq=\([0-9]*\).*/\3 \1 \2/p' \
    "$work/keeld.run"
}
logged >"$work/expected"
[ "$(wc -l <"$work/expected")" -eq "$queued" ] && [ "$queued" -ge 9 ] ||
  keeld_fail "$queued events queued, keeld logged $(wc -l <"$work/expected"): $(cat "$work/expected")"
grep -q "cloud: connected" "$work/keeld.run" && keeld_fail "keeld connected with no broker"
echo "ok: (a) with the broker down and the update server gone, keypad and API lock and" \
  "unlock; $queued events wait in the queue"

# --- (b) the broker returns: everything queued arrives, in order, once --------------------
broker_up 2
harness_start "$work/events.out" mosquitto_sub "${cloud_args[@]}" -i cloud-events -c -q 1 \
  -t 'keel/+/events' -v
events_pid=$harness_last_pid
harness_wait_for "$work/keeld.run" "cloud: connected to 127.0.0.1:$mqtt_port" 75 "$keeld_pid" ||
  keeld_fail "keeld did not reconnect to the broker"
last=$(tail -n 1 "$work/expected" | cut -d' ' -f1)
harness_wait_for "$work/keeld.run" "cloud: delivered event $last\$" 30 "$keeld_pid" ||
  keeld_fail "event $last was not delivered"
mqtt_wait_line "$work/events.out" "\"seq\":$last," 10 ||
  keeld_fail "the cloud did not receive event $last: $(cat "$work/events.out")"
# The connection itself is an event (link.up, 5.10-1), queued behind what waited.
# link_up: the seq of the newest link.up keeld logged in this run.
link_up() {
  sed -n 's/.*event=lock\.link\.up source=system seq=\([0-9]*\).*/\1/p' "$work/keeld.run" |
    tail -n 1
}
up=$(link_up)
[ -n "$up" ] && [ "$up" -gt "$last" ] || keeld_fail "no link.up queued on connecting"
harness_wait_for "$work/keeld.run" "cloud: delivered event $up\$" 30 "$keeld_pid" ||
  keeld_fail "link.up ($up) was not delivered"
sleep 1 # anything sent twice would arrive now
logged >"$work/expected"
queued=$(wc -l <"$work/expected")
grep -v "^keel/$serial/events {" "$work/events.out" &&
  keeld_fail "lines other than A's events: $(cat "$work/events.out")"
sed "s|^keel/$serial/events ||" "$work/events.out" |
  jq -r '"\(.seq) \(.event) \(.source)"' >"$work/received"
diff -u "$work/expected" "$work/received" >"$work/events.diff" ||
  keeld_fail "the cloud's events differ from what keeld queued: $(cat "$work/events.diff")"
jq -e -s 'map(.dropped) | all(. == 0)' <(sed "s|^keel/$serial/events ||" "$work/events.out") \
  >/dev/null || keeld_fail "an event says events were dropped: $(cat "$work/events.out")"
grep -q "Alice" "$work/events.out" && keeld_fail "a PIN holder's name reached the cloud"
r=$(call GET /api/v1/lock "${auth[@]}")
expect "queue after delivery" "$(jq .queued "$work/body")" 0
echo "ok: (b) all $queued events reached the cloud in order of seq, contiguous, none twice," \
  "no personal data"

# --- (c) a restart sends nothing again -----------------------------------------------------
keeld_stop
device_start
harness_wait_for "$work/keeld.run" "cloud: connected to 127.0.0.1:$mqtt_port" 15 "$keeld_pid" ||
  keeld_fail "keeld did not connect after its restart"
up=$(link_up)
[ -n "$up" ] || keeld_fail "no link.up queued on connecting after the restart"
harness_wait_for "$work/keeld.run" "cloud: delivered event $up\$" 10 "$keeld_pid" ||
  keeld_fail "link.up ($up) was not delivered after the restart"
sleep 2 # four rounds of the link's loop: a queued event would have gone
queued=$((queued + 1)) # that link.up, and nothing else
[ "$(wc -l <"$work/events.out")" -eq "$queued" ] &&
  tail -n 1 "$work/events.out" | grep -q "\"seq\":$up,.*\"event\":\"link.up\"" ||
  keeld_fail "events sent again after a restart: $(cat "$work/events.out")"
[ "$(grep -c "cloud: delivered event" "$work/keeld.run")" -eq 1 ] ||
  keeld_fail "keeld delivered again"
echo "ok: (c) after a restart nothing is sent again but the new connection's link.up"

# --- (d) cloud commands ---------------------------------------------------------------------
clouds=$(grep -c "u'cloud'" "$work/mosquitto-2.log" || true)
harness_start "$work/replies.out" mosquitto_sub "${cloud_args[@]}" -q 1 -t "keel/$serial/reply"
replies_pid=$harness_last_pid
for _ in $(seq 100); do
  [ "$(grep -c "u'cloud'" "$work/mosquitto-2.log" || true)" -gt "$clouds" ] && break
  sleep 0.1
done
sleep 0.3 # its SUBSCRIBE follows the connection
# command PAYLOAD [mosquitto_pub options]: publish as the cloud; the reply is printed. (Run
# in $(...): it counts the replies in the file, not in a variable.)
command() {
  local payload=$1 n
  shift
  n=$(wc -l <"$work/replies.out")
  mosquitto_pub "${cloud_args[@]}" -q 1 -t "keel/$serial/command" -m "$payload" "$@" ||
    keeld_fail "the cloud cannot publish a command"
  for _ in $(seq 100); do
    [ "$(wc -l <"$work/replies.out")" -gt "$n" ] && break
    sleep 0.1
  done
  sed -n "$((n + 1))p" "$work/replies.out"
}
lock_state() { call GET /api/v1/lock "${auth[@]}" >/dev/null; jq -c '[.locked, .queued]' "$work/body"; }
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
expect "command unlock" "$(command '{"id":"cmd-1","action":"unlock"}')" \
  '{"id":"cmd-1","result":"ok","locked":false}'
expect "state after unlock" "$(lock_state)" "[false,0]"
expect "command lock" "$(command '{"action":"lock","id":"cmd-2"}')" \
  '{"id":"cmd-2","result":"ok","locked":true}'
expect "command state" "$(command '{"id":"cmd-3","action":"state"}')" \
  '{"id":"cmd-3","result":"ok","locked":true}'
# from_cloud N: wait until N events from cloud commands have reached the cloud
from_cloud() {
  for _ in $(seq 100); do
    [ "$(grep -c '"source":"cloud"' "$work/events.out" || true)" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}
from_cloud 2 ||
  keeld_fail "the commands' events did not reach the cloud: $(cat "$work/events.out")"
[ "$(wc -l <"$work/events.out")" -eq $((queued + 2)) ] ||
  keeld_fail "lock and unlock should be two events, state none: $(cat "$work/events.out")"
echo "ok: (d) the cloud's lock, unlock and state commands are carried out and answered"

before=$(lock_state)
expect "unknown action" "$(command '{"id":"cmd-4","action":"open"}')" \
  '{"id":"cmd-4","result":"error","error":"malformed"}'
expect "unknown member" "$(command '{"id":"cmd-5","action":"unlock","force":true}')" \
  '{"id":"cmd-5","result":"error","error":"malformed"}'
expect "not JSON" "$(command 'unlock')" '{"result":"error","error":"malformed"}'
expect "bad id" "$(command '{"id":"<script>","action":"unlock"}')" \
  '{"result":"error","error":"malformed"}'
big=$(jq -cn --arg pad "$(printf 'x%.0s' $(seq 300))" '{id:"cmd-6",action:"unlock",pad:$pad}')
expect "too large" "$(command "$big")" '{"result":"error","error":"too large"}'
expect "nothing changed" "$(lock_state)" "$before"
echo "ok: (d) malformed and oversized commands get an error reply and change nothing"

# A retained command is carried out when it arrives live, but refused when the broker hands
# it over again at the next connection.
expect "retained, live" "$(command '{"id":"cmd-7","action":"unlock"}' -r)" \
  '{"id":"cmd-7","result":"ok","locked":false}'
from_cloud 3 || keeld_fail "the retained command's event did not reach the cloud"
keeld_stop
n=$(wc -l <"$work/replies.out")
device_start
harness_wait_for "$work/keeld.run" "cloud: refused a retained command" 15 "$keeld_pid" ||
  keeld_fail "the retained command was not refused at reconnection"
for _ in $(seq 50); do [ "$(wc -l <"$work/replies.out")" -gt "$n" ] && break; sleep 0.1; done
expect "retained, replayed" "$(sed -n "$((n + 1))p" "$work/replies.out")" \
  '{"id":"cmd-7","result":"error","error":"retained"}'
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
expect "the lock after the replay" "$(lock_state)" "[false,0]"
mosquitto_pub "${cloud_args[@]}" -q 1 -t "keel/$serial/command" -r -n # clear it
echo "ok: (d) a retained command replayed at reconnection is refused"

# --- (e) keeld killed in the middle of a delivery -------------------------------------------
# Many events queue offline; keeld is killed while it delivers them and started again. The
# cloud must see every event, in order; the one in flight at the kill may come twice (its
# PUBACK may have arrived without keeld recording it), nothing else.
kill "$events_pid" 2>/dev/null || true # its session stays (and is saved as the broker stops)
harness_stop "$mqtt_pid" || true
harness_wait_for "$work/keeld.run" "cloud: no link to" 10 "$keeld_pid" ||
  keeld_fail "keeld did not notice the broker going"
burst=400
python3 - "$work/dev/keypad.sock" "$burst" <<'PY' || keeld_fail "the keypad burst failed"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rb")
for _ in range(int(sys.argv[2])):
    s.sendall(b"BUTTON\n")
    if not f.readline().startswith(b"OK "):
        sys.exit(1)
PY
first=$(sed -n 's/.*event=lock\.[a-z_]* source=button seq=\([0-9]*\).*/\1/p' "$work/keeld.run" |
  head -n 1)
[ -n "$first" ] || keeld_fail "the burst's events were not logged"
broker_up 3
harness_start "$work/events2.out" mosquitto_sub "${cloud_args[@]}" -i cloud-events -c -q 1 \
  -t 'keel/+/events'
harness_wait_for "$work/keeld.run" "cloud: connected to" 75 "$keeld_pid" ||
  keeld_fail "keeld did not reconnect"
cut=$((first + 60))
harness_wait_for "$work/keeld.run" "cloud: delivered event $cut\$" 30 "$keeld_pid" ||
  keeld_fail "event $cut was not delivered"
keeld_stop KILL
killed_after=$(sed -n 's/.*cloud: delivered event \([0-9]*\)$/\1/p' "$work/keeld.run" | tail -n 1)
[ "$killed_after" -lt $((first + burst - 1)) ] ||
  keeld_fail "all $burst events went before the kill: this run proves nothing about a cut"
device_start
grep -q "event=lock.fail_secure" "$work/keeld.run" || keeld_fail "no fail-secure lock after the kill"
# the newest event: the link.up of the new connection, queued behind the fail-secure lock
harness_wait_for "$work/keeld.run" "cloud: connected to" 15 "$keeld_pid" ||
  keeld_fail "keeld did not connect after the kill"
final=$(link_up)
harness_wait_for "$work/keeld.run" "cloud: delivered event $final\$" 60 "$keeld_pid" ||
  keeld_fail "the queue was not delivered after the restart"
mqtt_wait_line "$work/events2.out" "\"seq\":$final," 10 ||
  keeld_fail "the cloud did not receive event $final"
sleep 1
jq -r .seq "$work/events2.out" >"$work/seqs"
# every seq from first to final, in order; a repeat only of the one just before, at most once
awk -v first="$first" -v final="$final" '
  NR == 1 && $1 != first { print "starts at " $1 ", not " first; bad = 1 }
  NR > 1 && $1 == prev { dups++; if (dups > 1) { print "second repeat: " $1; bad = 1 } }
  NR > 1 && $1 != prev && $1 != prev + 1 { print "after " prev " came " $1; bad = 1 }
  { prev = $1 }
  END { if (prev != final) { print "ends at " prev ", not " final; bad = 1 }
        print "repeats " dups + 0 > "/dev/stderr"; exit bad }' "$work/seqs" \
  2>"$work/repeats" >"$work/seqs.err" || keeld_fail "after the kill: $(cat "$work/seqs.err")"
echo "ok: (e) keeld killed during delivery (after event $killed_after of $first..$((first + burst - 1))):" \
  "the cloud got every event up to $final in order, $(cat "$work/repeats") (allowed: 1)"
kill "$replies_pid" 2>/dev/null || true
keeld_stop
