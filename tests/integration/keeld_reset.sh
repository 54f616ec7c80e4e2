#!/bin/bash
# Factory reset, the canary test (5.11-1, 5.11-3): keeld's data directory is a small ext4
# file system of its own (a loop-mounted image, as a device's data partition). The owner sets
# the lock up and leaves unique canary values in every kind of user data: their password,
# PIN holders' names and PIN codes, a wrong PIN, access-log entries from the keypad, consent
# grants and withdrawals, update settings, a request that the service delete their data
# (a cloud link is configured; no broker is needed for the request to be kept), across a
# restart. Besides the values themselves, what keeld derives from them and keeps on disk is
# a canary too: the sealed names and "who"s, the PINs' HMACs (read from lock.db before the
# reset). The owner resets the lock through POST /api/v1/reset; keeld answers, exits 75 and
# comes up in the factory state; the label password works again and the manufacturer's
# identity files are untouched. Then no canary may remain: not in the data directory's files
# (the store among them, sealed: its bytes), not in sqlite3 dumps of its databases, not in
# keeld's log, and not in the raw bytes of the unmounted image. A second round cuts the power
# right after the reset's marker is written (keeld killed, the marker written as keeld writes
# it): the next start must finish the reset on its own.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "FAIL: keeld_reset needs root (it loop-mounts an ext4 image)"; exit 1; }
for tool in losetup mkfs.ext4 mount umount sqlite3 python3 jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing"; exit 1; }
done
harness_tempdir
work=$harness_dir
img=$work/data.img
mnt=$work/mnt
finish() {
  local status=$?
  for pid in "${harness_pids[@]}"; do kill -0 "$pid" 2>/dev/null && harness_stop "$pid"; done
  mountpoint -q "$mnt" && umount "$mnt"
  (exit "$status")
  harness_cleanup
}
trap finish EXIT
started=$SECONDS

# --- a data partition of its own ------------------------------------------------------------------
truncate -s 24M "$img"
mkfs.ext4 -q -F -O ^has_journal -E lazy_itable_init=0 "$img" >/dev/null 2>&1 ||
  mkfs.ext4 -q -F "$img" >/dev/null
mkdir "$mnt"
mount -o loop "$img" "$mnt" || keeld_fail "cannot loop-mount $img"
chmod 0755 "$mnt"
dev=$mnt/dev
sock=$dev/keypad.sock
keeld_provision "$dev" "$work/label"
label=$(field password "$work/label")
serial=$(field serial "$work/label")
identity_sums() { (cd "$dev" && sha256sum identity.json device-key.pem device-cert.pem identity-cert.pem); }
identity_sums >"$work/identity.sha256"
# a cloud link is configured (its broker is a closed port: the link stays down, the lock works)
cloud=(--mqtt 127.0.0.1:1 --mqtt-ca "$work/ca/ca.pem")
keeld_start "$dev" "${cloud[@]}"
keeld_stop
(cd "$dev" && find . -printf '%P\n' | sort) >"$work/factory-files"

# --- canaries ---------------------------------------------------------------------------------------
: >"$work/canaries"  # plain values: never anywhere afterwards
: >"$work/derived"   # hex of the bytes keeld derived from them
: >"$work/requests"  # the cloud deletion requests' ids
canary() { local v="$1$(openssl rand -hex 6)$2"; echo "$v" >>"$work/canaries"; printf '%s' "$v"; }
pin_canary() { # 12 random digits the PIN policy accepts, each a canary of its own
  local p
  while :; do
    p=$(python3 -c 'import secrets; print("".join(secrets.choice("0123456789") for _ in range(12)))')
    [[ $p =~ ^0 ]] || break
  done
  echo "$p" >>"$work/canaries"
  printf '%s' "$p"
}
auth() { printf 'Authorization: Bearer %s' "$token"; }
pin_add() { # NAME PIN
  local r
  r=$(call POST /api/v1/pins -H "$(auth)" -d "$(jq -cn --arg n "$1" --arg p "$2" '{name: $n, pin: $p}')")
  [[ $r =~ ^201\  ]] || keeld_fail "add PIN '$1': $r"
}
# owner_setup: the owner takes the factory device, sets a canary password and chooses.
owner_setup() {
  token=$(login "$label")
  owner=$(canary "owner pass " " phrase")
  expect "owner password" "$(call POST /api/v1/password -H "$(auth)" -d "$(password_body "$label" "$owner")")" "204 "
  token=$(login "$owner")
  expect "setup" "$(call POST /api/v1/setup -H "$(auth)" -d '{"auto_install":false,"data_processing":true}')" "204 "
}
# plant: PINs with canary names and codes, the keypad's log, a wrong PIN, consent changes.
plant() {
  local name1 name2 pin1 pin2 wrong
  name1=$(canary "Holder " " Alpha")
  name2=$(canary "Guest " " Beta")
  pin1=$(pin_canary)
  pin2=$(pin_canary)
  wrong=$(pin_canary)
  pin_add "$name1" "$pin1"
  pin_add "$name2" "$pin2"
  expect "keypad PIN 1" "$(keeld_keypad "$sock" "PIN $pin1" BUTTON "PIN $pin2" "PIN $wrong" | paste -sd,)" \
    "OK unlocked,OK locked,OK unlocked,DENIED"
  expect "withdrawn" "$(call POST /api/v1/privacy/consent -H "$(auth)" -d '{"purpose":"access_log_sync","granted":false}' | cut -c1-3)" 200
  expect "granted" "$(call POST /api/v1/privacy/consent -H "$(auth)" -d '{"purpose":"access_log_sync","granted":true}' | cut -c1-3)" 200
  expect "a copy waits for the cloud" "$(keeld_keypad "$sock" "PIN $pin1")" "OK unlocked"
}
# derive: the bytes lock.db holds for the canaries, read while keeld runs (root reads its WAL).
derive() {
  sqlite3 -readonly "$dev/lock.db" \
    "SELECT hex(name) FROM pins UNION ALL SELECT hex(hmac) FROM pins UNION ALL
     SELECT hex(who) FROM log WHERE who IS NOT NULL UNION ALL
     SELECT hex(who) FROM sync WHERE who IS NOT NULL" >>"$work/derived"
}

# --- round 1: a lived-in lock, a restart, the reset through the API ----------------------------------
keeld_start "$dev" "${cloud[@]}"
owner_setup
plant
derive
r=$(call POST /api/v1/privacy/cloud-delete -H "$(auth)" -d '{}')
[[ $r =~ ^202\  ]] || keeld_fail "cloud deletion request: $r"
jq -r .request "$work/body" >>"$work/requests" # logged by keeld (not personal): not searched there
keeld_stop
keeld_start "$dev" "${cloud[@]}" # a restart: the lock's database is closed and reopened
token=$(login "$owner")
plant
derive
# the planted data is really there (the test could not fail otherwise)
r=$(curl -sk --max-time 10 -o "$work/export.json" -w '%{http_code}' -H "$(auth)" "$url/api/v1/privacy/export")
expect "export before the reset" "$r" 200
expect "the export holds the PIN names" "$(jq '[.pins[].name] | length' "$work/export.json")" 4
expect "the export holds who" "$(jq '[.access_log[] | select(.who != null)] | length >= 4' "$work/export.json")" true
expect "the export holds the consent records" "$(jq '.consent_records | length' "$work/export.json")" 5
expect "the export holds the deletion request" "$(jq -r .cloud_deletion.state "$work/export.json")" pending
[ "$(sort -u "$work/derived" | wc -l)" -ge 14 ] || keeld_fail "too few derived canaries: $(wc -l <"$work/derived")"

expect "reset, wrong password" "$(call POST /api/v1/reset -H "$(auth)" -d "$(jq -cn --arg p "$label" '{password: $p, confirm: "erase"}')")" \
  '401 {"error":"unauthorized"}'
expect "reset, not confirmed" "$(call POST /api/v1/reset -H "$(auth)" -d "$(jq -cn --arg p "$owner" '{password: $p, confirm: "yes"}')")" \
  '400 {"error":"bad request"}'
r=$(call POST /api/v1/reset -H "$(auth)" -d "$(jq -cn --arg p "$owner" '{password: $p, confirm: "erase"}')")
[[ $r =~ ^200\  ]] || keeld_fail "reset: $r"
jq -e '.reset == "done" and (.erased | index("owner_password") != null and index("pin_names") != null and
       index("access_log") != null and index("data_key") != null)' "$work/body" >/dev/null ||
  keeld_fail "the reset's answer: $r"
rc=0
for _ in $(seq 50); do kill -0 "$keeld_pid" 2>/dev/null || break; sleep 0.1; done
wait "$keeld_pid" || rc=$?
cat "$work/keeld.run" >>"$work/keeld.log"
expect "keeld's exit after the reset" "$rc" 75
keeld_start "$dev" "${cloud[@]}"
grep -q '^keeld: factory state' "$work/keeld.run" || keeld_fail "keeld did not start in the factory state"
expect "the old password" "$(call POST /api/v1/login -d "$(login_body "$owner")")" '401 {"error":"unauthorized"}'
token=$(login "$label")
expect "factory: setup required" "$(call GET /api/v1/lock -H "$(auth)")" '403 {"error":"setup required"}'
r=$(call GET /api/v1/device)
expect "the same device" "$(jq -r '.serial + " " + .state' "$work/body")" "$serial factory"
keeld_stop
identity_sums | diff - "$work/identity.sha256" >/dev/null || keeld_fail "the manufacturer's identity files changed"
(cd "$dev" && find . -printf '%P\n' | sort) | diff "$work/factory-files" - >"$work/files.diff" ||
  keeld_fail "the data directory's files are not the factory's: $(cat "$work/files.diff")"
echo "ok: reset through the API: 200, exit 75, factory state on restart, the label password and identity unchanged ($((SECONDS - started)) s)"

# --- round 2: the power fails right after the marker -------------------------------------------------
keeld_start "$dev" "${cloud[@]}"
owner_setup
plant
derive
keeld_stop KILL # the power cut
printf '{"requested":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dev/reset-pending"
chmod 0600 "$dev/reset-pending"
harness_keeld_owns "$dev/reset-pending"
keeld_start "$dev" "${cloud[@]}"
grep -q '^keeld: factory state' "$work/keeld.run" || keeld_fail "keeld did not finish the interrupted reset"
grep -q 'event=factory_reset.completed' "$work/keeld.run" || keeld_fail "the completed reset is not logged"
[ ! -e "$dev/reset-pending" ] || keeld_fail "the reset's marker is still there"
token=$(login "$label")
keeld_stop
echo "ok: a power cut after the marker: the next start finishes the reset"

# --- the search ----------------------------------------------------------------------------------------
sort -u -o "$work/derived" "$work/derived"
# search WHAT PLAIN-CANARIES FILE...: no canary (plain, or derived bytes) in the files.
search() {
  local what=$1 plain=$2; shift 2
  python3 - "$plain" "$work/derived" "$what" "$@" <<'EOF'
import os, sys
canaries, derived, what, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
needles = [(l.strip(), l.strip().encode()) for l in open(canaries) if l.strip()]
needles += [('derived ' + l.strip()[:16] + '...', bytes.fromhex(l.strip())) for l in open(derived) if l.strip()]
# sqlite3 dumps print blobs as X'HEX': look for the hex text as well
needles += [('derived (as text) ' + l.strip()[:16] + '...', l.strip().encode()) for l in open(derived) if l.strip()]
found = []
for path in files:
    data = open(path, 'rb').read()
    up = data.upper()
    for name, needle in needles:
        if needle in data or needle.upper() in up:
            found.append(f'{name} in {path}')
if found:
    print(f'FAIL: {what}: ' + '; '.join(found[:10]))
    sys.exit(1)
print(f'ok: no canary in {what} ({len(files)} file(s), {len(needles)} canaries)')
EOF
}
cat "$work/canaries" "$work/requests" >"$work/all"
mapfile -t files < <(find "$dev" -type f)
search "the data directory's files (the store's bytes among them)" "$work/all" "${files[@]}" ||
  keeld_fail "canary found"
for db in $(find "$dev" -type f -name '*.db'); do
  sqlite3 -readonly "$db" .dump >"$work/$(basename "$db").dump" || keeld_fail "sqlite3 cannot dump $db"
done
search "sqlite3 dumps of the databases" "$work/all" "$work"/*.dump || keeld_fail "canary found"
search "keeld's log" "$work/canaries" "$work/keeld.log" || keeld_fail "canary found"
umount "$mnt"
search "the raw bytes of the data partition's image" "$work/all" "$img" || keeld_fail "canary found"
echo "PASS: keeld reset: no canary left anywhere after a reset through the API and after a power cut ($((SECONDS - started)) s)"
