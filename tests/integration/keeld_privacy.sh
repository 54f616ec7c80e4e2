#!/bin/bash
# The owner's personal data on a live keeld (6-1, 6-2, 6-3A, 6-6, 5.11-2): the data inventory
# is public and served in the factory state, byte for byte the file the build compiled in;
# consent to the optional processing is off until given, each grant and withdrawal (from the
# setup and from the API) is recorded; the export holds everything keeld keeps about its
# owner (PIN names, the access log with who, the consent records, the update settings) and
# never a PIN code; without a cloud link there is no service to ask for deletion (409); and
# with a short --log-retention old access-log entries go by themselves, from the API and from
# the bytes of lock.db and its WAL.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
command -v python3 >/dev/null || { echo "python3 is missing"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing"; exit 1; }
harness_tempdir
work=$harness_dir
dev=$work/dev
sock=$dev/keypad.sock
header() { sed -n "s/^$1: *//Ip" "$work/headers" | tr -d '\r'; }
auth() { printf 'Authorization: Bearer %s' "$token"; }
consent_body() { jq -cn --arg p "$1" --argjson g "$2" '{purpose: $p, granted: $g}'; }
# files_hold HEX FILE...: 0 when one of the files holds the bytes HEX (absent files hold none).
files_hold() {
  python3 - "$@" <<'EOF'
import os, sys
needle = bytes.fromhex(sys.argv[1])
sys.exit(0 if any(os.path.exists(p) and needle in open(p, 'rb').read() for p in sys.argv[2:]) else 1)
EOF
}

keeld_provision "$dev" "$work/label"
pw=$(field password "$work/label")
serial=$(field serial "$work/label")
keeld_start "$dev"

# --- the inventory: public, factory state, byte for byte ----------------------------------------
code=$(curl -sk --max-time 10 -D "$work/headers" -o "$work/inventory" -w '%{http_code}' \
  "$url/api/v1/privacy")
expect "GET /api/v1/privacy in the factory state" "$code" 200
cmp -s "$work/inventory" "$KEEL_SOURCE_DIR/data/privacy/keeld-inventory.json" ||
  keeld_fail "the served inventory is not data/privacy/keeld-inventory.json"
expect "inventory type" "$(header content-type)" application/json
for r in "GET /api/v1/privacy/consent" "GET /api/v1/privacy/export" "POST /api/v1/reset" \
  "GET /api/v1/privacy/cloud-delete"; do
  expect "$r without a session" "$(call $r)" '401 {"error":"unauthorized"}'
done
token=$(login "$pw")
expect "consent with the label's session" "$(call GET /api/v1/privacy/consent -H "$(auth)")" \
  '403 {"error":"setup required"}'
echo "ok: the inventory is public in the factory state and byte for byte the file; the owner's data is not"

# --- consent: off by default, every choice recorded ----------------------------------------------
owner="privacy test owner passphrase"
expect "owner password" "$(call POST /api/v1/password -H "$(auth)" -d "$(password_body "$pw" "$owner")")" "204 "
token=$(login "$owner")
r=$(call GET /api/v1/privacy/consent -H "$(auth)")
[[ $r =~ ^200\  ]] || keeld_fail "consent: $r"
expect "off by default" "$(jq -c '[.consents[] | [.purpose, .granted]], (.records | length)' "$work/body" | paste -sd' ')" \
  '[["access_log_sync",false]] 0'
expect "setup" "$(call POST /api/v1/setup -H "$(auth)" -d '{"auto_install":false,"data_processing":true}')" "204 "
expect "withdrawn" "$(call POST /api/v1/privacy/consent -H "$(auth)" -d "$(consent_body access_log_sync false)" | cut -c1-3)" 200
expect "granted again" "$(call POST /api/v1/privacy/consent -H "$(auth)" -d "$(consent_body access_log_sync true)" | cut -c1-3)" 200
expect "the records" "$(jq -c '[.records[] | [.purpose, .granted, .via]]' "$work/body")" \
  '[["access_log_sync",true,"setup"],["access_log_sync",false,"api"],["access_log_sync",true,"api"]]'
expect "granted now" "$(jq -c '.consents[0].granted' "$work/body")" true
jq -e 'all(.records[]; .time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' "$work/body" >/dev/null ||
  keeld_fail "a consent record without its time: $(cat "$work/body")"
expect "an unknown purpose" "$(call POST /api/v1/privacy/consent -H "$(auth)" -d "$(consent_body telemetry true)")" \
  '400 {"error":"bad request"}'
r=$(call GET /api/v1/security -H "$(auth)")
expect "the security check follows the consent" \
  "$(jq -c '.checks[] | select(.id == "data_processing") | .on' "$work/body")" true
grep -q 'event=privacy.consent purpose=access_log_sync granted=0 via=api' "$work/keeld.run" ||
  keeld_fail "the withdrawal is not logged"
echo "ok: consent is off by default; setup and API grants and withdrawals are each recorded with time and way"

# --- no cloud link: nobody to ask ----------------------------------------------------------------
expect "cloud deletion without a link" "$(call POST /api/v1/privacy/cloud-delete -H "$(auth)" -d '{}')" \
  '409 {"error":"conflict"}'
expect "no request made" "$(call GET /api/v1/privacy/cloud-delete -H "$(auth)")" '200 {"state":"none"}'

# --- the export -----------------------------------------------------------------------------------
name="Export Canary $RANDOM$RANDOM"
pin=$(printf '8%011d' $((RANDOM * 32768 + RANDOM)))
r=$(call POST /api/v1/pins -H "$(auth)" -d "$(jq -cn --arg n "$name" --arg p "$pin" '{name: $n, pin: $p}')")
[[ $r =~ ^201\  ]] || keeld_fail "add PIN: $r"
expect "the PIN on the keypad" "$(keeld_keypad "$sock" "PIN $pin")" "OK unlocked"
# a long access log: the export is far larger than one response buffer
mapfile -t answers < <(keeld_keypad "$sock" $(printf 'BUTTON %.0s' $(seq 120)))
[ "${#answers[@]}" -eq 120 ] || keeld_fail "the keypad answered ${#answers[@]} of 120 presses"
code=$(curl -sk --max-time 10 -D "$work/headers" -o "$work/export.json" -w '%{http_code}' \
  -H "$(auth)" "$url/api/v1/privacy/export")
expect "export" "$code" 200
expect "export disposition" "$(header content-disposition)" 'attachment; filename="keel-export.json"'
expect "export length" "$(header content-length)" "$(stat -c %s "$work/export.json")"
[ "$(stat -c %s "$work/export.json")" -gt 4096 ] || keeld_fail "the export is too small to test"
jq -e --arg serial "$serial" --arg name "$name" '
  .format == "keel-export-1" and (.exported | test("Z$")) and .device.serial == $serial and
  .owner.password_set == true and .owner.update_settings.auto_install == false and
  ([.pins[].name] == [$name]) and
  ([.access_log[] | select(.who == $name and .event == "unlocked" and .source == "keypad")] | length) == 1 and
  (.access_log | length) > 120 and
  ([.consent_records[].via] == ["setup", "api", "api"]) and
  .consents[0].granted == true and .cloud_deletion.state == "none" and .retention_days == 90' \
  "$work/export.json" >/dev/null || keeld_fail "the export lacks something: $(head -c 2000 "$work/export.json")"
grep -q "$pin" "$work/export.json" && keeld_fail "the export holds the PIN code"
echo "ok: the export ($(stat -c %s "$work/export.json") bytes, an attachment) holds PINs' names, the whole access log with who, consents and settings, never a PIN code"

# --- retention: old entries go by themselves -------------------------------------------------------
keeld_stop
keeld_start "$dev" --log-retention 4
token=$(login "$owner")
# started with a 4 s retention, keeld pruned the minutes-old entries at once
r=$(call GET /api/v1/log -H "$(auth)")
[[ $r =~ ^200\  ]] || keeld_fail "log: $r"
jq -e --arg name "$name" '[.entries[] | select(.who == $name)] | length == 0' "$work/body" >/dev/null ||
  keeld_fail "entries past the retention survived the start: $(cat "$work/body")"
sleep 5
expect "an unlock to be pruned" "$(keeld_keypad "$sock" "PIN $pin")" "OK unlocked"
r=$(call GET /api/v1/log -H "$(auth)")
jq -e --arg name "$name" '[.entries[] | select(.who == $name)] | length == 1' "$work/body" >/dev/null ||
  keeld_fail "the new unlock is not in the log: $(cat "$work/body")"
# the sealed "who" of that entry as it lies in lock.db, and of its copy waiting for the cloud
# (consent is granted): their bytes must leave the files too
sealed=$(sqlite3 -readonly "$dev/lock.db" 'SELECT hex(who) FROM log WHERE who IS NOT NULL ORDER BY seq DESC LIMIT 1')
copy=$(sqlite3 -readonly "$dev/lock.db" 'SELECT hex(who) FROM sync WHERE who IS NOT NULL ORDER BY seq DESC LIMIT 1')
[ ${#sealed} -ge 40 ] && [ ${#copy} -ge 40 ] || keeld_fail "no sealed who in lock.db: '$sealed' '$copy'"
for blob in "$sealed" "$copy"; do
  files_hold "$blob" "$dev/lock.db" "$dev/lock.db-wal" || keeld_fail "a sealed who is not in the files to begin with"
done
gone=0
for _ in $(seq 100); do # the prune runs every 4 s; the entry is 4 s old after 4 s
  sleep 0.1
  call GET /api/v1/log -H "$(auth)" >/dev/null
  jq -e --arg name "$name" '[.entries[] | select(.who == $name)] | length == 0' "$work/body" >/dev/null &&
    { gone=1; break; }
done
[ "$gone" -eq 1 ] || keeld_fail "the entry outlived its retention by 6 s"
grep -q 'event=lock.pruned entries=' "$work/keeld.run" || keeld_fail "no prune logged"
for f in lock.db lock.db-wal; do
  files_hold "$sealed" "$dev/$f" && keeld_fail "the pruned entry's sealed who is still in the bytes of $f"
  files_hold "$copy" "$dev/$f" && keeld_fail "the pruned copy's sealed who is still in the bytes of $f"
done
kill -0 "$keeld_pid" || keeld_fail "keeld died (the retention thread under the sandbox)"
echo "ok: with --log-retention 4 old entries are pruned at start and by the timer, from the API and the files' bytes"
keeld_stop
echo "PASS: keeld privacy: inventory, consent, export, cloud deletion without a link, retention"
