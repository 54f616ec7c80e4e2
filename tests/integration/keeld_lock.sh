#!/bin/bash
# The lock on a real keeld with no cloud and no update server (5.9-2: the offline case),
# driven through its keypad socket as the keypad's driver would: a PIN the owner added over
# the local API unlocks and the access log names its holder; wrong PINs make the keypad wait
# (and the wait survives a kill); the outside lock key, the inside button, the door sensor,
# the battery gauge; malformed lines answered uniformly on a connection that stays usable;
# enough changes under the sandbox for SQLite to checkpoint its WAL. Then keeld is killed
# with SIGKILL while the bolt is open: started again, it reports the bolt locked (fail
# secure) and the access log holds "fail_secure"; a clean stop after that does not.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
command -v python3 >/dev/null || { echo "python3 is missing"; exit 1; }
harness_tempdir
work=$harness_dir
sock=$work/dev/keypad.sock

# kp LINE...: one connection, each line sent in turn (Python escapes such as \x00 allowed),
# each answer printed on a line of its own.
kp() {
  python3 - "$sock" "$@" <<'EOF'
import codecs, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile('rb')
for arg in sys.argv[2:]:
    s.sendall(codecs.decode(arg, 'unicode_escape').encode('latin-1') + b'\n')
    print(f.readline().decode('ascii', 'replace').rstrip('\n'))
EOF
}
lock_log() { call GET /api/v1/log -H "Authorization: Bearer $token"; }
# owner_login: a session with the owner's password.
owner_login() { token=$(login "$owner"); }

keeld_provision "$work/dev" "$work/label"
pw=$(field password "$work/label")
keeld_start "$work/dev" # no --mqtt, no --update: nothing but the device itself
[ -S "$sock" ] || keeld_fail "no keypad socket at $sock"
expect "keypad socket mode" "$(stat -c %a "$sock")" 600
expect "a new lock" "$(kp STATE)" "STATE locked closed 100"

# The owner sets the device up and adds a PIN over the local API.
owner="the owner's own passphrase 7"
token=$(login "$pw")
expect "owner password" "$(call POST /api/v1/password -H "Authorization: Bearer $token" \
  -d "$(password_body "$pw" "$owner")")" "204 "
owner_login
expect "weak PIN" "$(call POST /api/v1/pins -H "Authorization: Bearer $token" \
  -d '{"name":"Alice","pin":"123456"}')" '400 {"error":"weak pin","reason":"sequence"}'
expect "add PIN" "$(call POST /api/v1/pins -H "Authorization: Bearer $token" \
  -d '{"name":"Alice","pin":"482915"}')" '201 {"id":1}'
echo "ok: the owner added a PIN over the local API"

expect "right PIN" "$(kp "PIN 482915" STATE)" $'OK unlocked\nSTATE unlocked closed 100'
grep -q 'event=lock.unlocked source=keypad' "$work/keeld.run" || keeld_fail "no unlock logged"
grep -q '482915' "$work/keeld.run" && keeld_fail "keeld's log shows a PIN"
r=$(lock_log)
[[ $r =~ ^200\ .*\"event\":\"unlocked\",\"source\":\"keypad\",\"who\":\"Alice\" ]] ||
  keeld_fail "the access log does not name the PIN's holder: $r"
expect "lock key, button" "$(kp LOCK BUTTON BUTTON STATE)" \
  $'OK locked\nOK unlocked\nOK locked\nSTATE locked closed 100'
echo "ok: PIN unlock (logged with its holder), the lock key and the inside button"

expect "door and battery" "$(kp "DOOR OPEN" "BATTERY 15" STATE "DOOR CLOSED" STATE)" \
  $'OK\nOK\nSTATE locked open 15\nOK\nSTATE locked closed 15'
r=$(lock_log)
[[ $r == *'"event":"battery_low","source":"system"'* && $r == *'"event":"door_open"'* ]] ||
  keeld_fail "door and battery events missing from the access log: $r"
echo "ok: the door sensor and the battery gauge"

long=$(printf 'PIN %0200d' 7)
expect "malformed lines" "$(kp HELLO "PIN 12ab" "BATTERY 101" lock "DOOR AJAR" "LOCK\\x00" \
  "$long" "STATE\\r" STATE)" \
  "$(printf 'ERROR malformed\n%.0s' 1 2 3 4 5 6 7 8)"$'\nSTATE locked closed 15'
echo "ok: malformed lines answered 'ERROR malformed', nothing changed, the connection usable"

# Enough transactions after the sandbox for the WAL's automatic checkpoint.
mapfile -t many < <(for i in $(seq 200); do echo "BATTERY $((40 + i % 2))"; echo BUTTON; done)
kp "${many[@]}" | sort | uniq -c | sed 's/^ *//' >"$work/many"
expect "200 battery readings" "$(grep -c . "$work/many")" 3
grep -qx '200 OK' "$work/many" || keeld_fail "battery readings: $(cat "$work/many")"
kill -0 "$keeld_pid" || keeld_fail "keeld died under the keypad's load"
expect "after 400 changes" "$(kp STATE)" "STATE locked closed 40"
echo "ok: 400 changes through the keypad under the sandbox"

for i in 1 2 3 4; do
  expect "wrong PIN $i" "$(kp "PIN 00000$i")" DENIED
done
expect "fifth wrong PIN" "$(kp "PIN 000005")" DENIED
r=$(kp "PIN 482915")
if ! [[ $r =~ ^WAIT\ ([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -lt 1 ] ||
  [ "${BASH_REMATCH[1]}" -gt 30 ]; then
  keeld_fail "the right PIN during the wait: '$r', expected WAIT 1..30"
fi
expect "still locked" "$(kp STATE)" "STATE locked closed 40"
grep -q 'event=lock.keypad_wait source=keypad failures=5 wait_s=30' "$work/keeld.run" ||
  keeld_fail "the keypad's wait is not logged"
echo "ok: five wrong PINs make the keypad wait; the right PIN is not even checked"

# Unlocked, then the power goes (kill -9).
expect "unlock over the API" \
  "$(call POST /api/v1/lock -H "Authorization: Bearer $token" -d '{"action":"unlock"}' |
    cut -c1-3)" 200
expect "unlocked" "$(kp STATE)" "STATE unlocked closed 40"
keeld_stop KILL
[ -S "$sock" ] || keeld_fail "the killed keeld's socket is gone (expected it stale)"
keeld_start "$work/dev"
grep -q 'event=lock.fail_secure source=system' "$work/keeld.run" ||
  keeld_fail "no fail_secure event in keeld's log"
expect "fail secure" "$(kp STATE)" "STATE locked closed 40"
owner_login
r=$(lock_log)
[[ $r =~ ^200\ \{\"entries\":\[\{\"seq\":[0-9]+,\"time\":\"[0-9TZ:-]+\",\"event\":\"fail_secure\",\"source\":\"system\"\} ]] ||
  keeld_fail "the newest access-log entry is not fail_secure: $r"
r=$(call GET /api/v1/lock -H "Authorization: Bearer $token")
[[ $r == *'"locked":true'* && $r == *'"unclean_start":true'* ]] ||
  keeld_fail "GET /api/v1/lock after the kill: $r"
r=$(kp "PIN 482915")
[[ $r =~ ^WAIT\ [0-9]+$ ]] || keeld_fail "the keypad's wait did not survive the kill: '$r'"
echo "ok: killed while unlocked, keeld starts locked (fail secure), logged; the keypad still waits"

# A clean stop: no fail-secure lock on the next start, the socket removed.
expect "button" "$(kp BUTTON)" "OK unlocked"
keeld_stop
[ -e "$sock" ] && keeld_fail "the socket was not removed at a clean stop"
keeld_start "$work/dev"
expect "after a clean stop" "$(kp STATE)" "STATE unlocked closed 40"
owner_login
r=$(call GET /api/v1/lock -H "Authorization: Bearer $token")
[[ $r == *'"unclean_start":false'* ]] || keeld_fail "GET /api/v1/lock after a clean stop: $r"
expect "fail_secure entries" "$(lock_log | grep -o '"event":"fail_secure"' | wc -l)" 1
keeld_stop
! grep -q 'SIGSYS\|Bad system call' "$work/keeld.log" || keeld_fail "a system call was refused"
echo "PASS: the lock works offline through its keypad and fails secure after a kill"
