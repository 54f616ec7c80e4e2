#!/bin/bash
# Password change on a live keeld (5.1-1, 5.1-4): a session is needed; the current password
# is checked under the brute-force guard; each rule of the policy is refused with its reason;
# a good password ends every session, the label password stops working, the new one works,
# the device reports "initialised", and all of it survives a restart.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

keeld_provision "$work/dev" "$work/label"
pw=$(field password "$work/label")
keeld_start "$work/dev"
token=$(login "$pw")
auth=(-H "Authorization: Bearer $token")
change() { call POST /api/v1/password "${auth[@]}" -d "$(password_body "$1" "$2")"; }
weak() { echo "400 {\"error\":\"weak password\",\"reason\":\"$1\"}"; }
# the device's state, public (/api/v1/device); $1, the session, must still be valid
state() {
  [[ $(call GET /api/v1/security -H "Authorization: Bearer $1") =~ ^200\  ]] || return 0
  call GET /api/v1/device | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'
}

expect "status before" "$(state "$token")" factory
long=$(printf 'x%.0s' $(seq 129))
expect "too short" "$(change "$pw" "short-pw1")" "$(weak "too short")"
expect "too long" "$(change "$pw" "$long")" "$(weak "too long")"
expect "one character" "$(change "$pw" "zzzzzzzzzzzz")" "$(weak "one character")"
expect "common" "$(change "$pw" "Password123")" "$(weak "common password")"
expect "the label password" "$(change "$pw" "${pw,,}")" "$(weak "label password")"
expect "malformed body" "$(call POST /api/v1/password "${auth[@]}" -d '{"current":"x"}')" \
  '400 {"error":"bad request"}'
expect "wrong current password" "$(change "AAAA-AAAA-AAAA-AAAA" "a good new password")" \
  '401 {"error":"unauthorized"}'
grep -q 'event=auth.failure client=127.0.0.1 count=1 ' "$work/keeld.run" ||
  keeld_fail "a wrong current password is not counted by the guard"
expect "still factory" "$(state "$token")" factory
echo "ok: each policy rule refused with its reason; a wrong current password is a guard failure"

new="my lock, my own passphrase"
expect "good password" "$(change "$pw" "$new")" "204 "
expect "old session ended" "$(call GET /api/v1/status "${auth[@]}")" '401 {"error":"unauthorized"}'
expect "label password refused" "$(call POST /api/v1/login -d "$(login_body "$pw")")" \
  '401 {"error":"unauthorized"}'
token=$(login "$new")
expect "status after" "$(state "$token")" initialised
grep -q 'keel warn: event=auth.password_changed client=127.0.0.1$' "$work/keeld.run" ||
  keeld_fail "no password_changed event"
echo "ok: a good password is taken (204), sessions end, the label password no longer works"

# The owner's password and the state live in the secure store.
keeld_stop
keeld_start "$work/dev"
grep -q '^keeld: initialised state' "$work/keeld.run" || keeld_fail "not initialised after restart"
expect "label password after restart" "$(call POST /api/v1/login -d "$(login_body "$pw")")" \
  '401 {"error":"unauthorized"}'
token=$(login "$new")
expect "status after restart" "$(state "$token")" initialised
# Changing again needs the owner's password, not the label's.
auth=(-H "Authorization: Bearer $token")
expect "label as current" "$(change "$pw" "another fine passphrase")" '401 {"error":"unauthorized"}'
token2=$(login "$new")
auth=(-H "Authorization: Bearer $token2")
expect "second change" "$(change "$new" "another fine passphrase")" "204 "
login "another fine passphrase" >/dev/null
grep -q -e "$new" -e "$pw" "$work/keeld.log" "$work/keeld.run" && keeld_fail "a password in the log"
keeld_stop
echo "ok: after a restart the owner's password holds and can be changed again"
