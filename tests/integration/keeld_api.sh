#!/bin/bash
# The lock's local API on a live keeld (5.9-2: all of it local) and input validation at the
# edge (5.13-1A): lock and unlock, the keypad's PIN codes (weak, taken, too many, listed
# without their codes, removed), the access log; then a bounded malformed-input campaign
# against every declared route (wrong methods, wrong types, unknown and repeated members,
# huge numbers, broken UTF-8, escaped NUL, truncated JSON, deep nesting, oversized bodies):
# every answer is a uniform 4xx JSON error, keeld stays up, and nothing changed: not the
# bolt, not the PINs, not the log, not the owner's choices or password.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
fail() { keeld_fail "$@"; }
conflict='409 {"error":"conflict"}'

keeld_provision "$work/dev" "$work/label"
pw=$(field password "$work/label")
keeld_start "$work/dev"
token=$(login "$pw")
own="kitchen door passphrase 64"
expect "the owner's password" "$(call POST /api/v1/password -H "Authorization: Bearer $token" \
  -d "$(password_body "$pw" "$own")")" "204 "
token=$(login "$own")
auth=(-H "Authorization: Bearer $token")
api() { call "$1" "$2" "${auth[@]}" "${@:3}"; }

# --- lock and unlock -----------------------------------------------------------------------------
r=$(api GET /api/v1/lock)
[[ $r =~ ^200\  ]] || fail "GET /api/v1/lock: $r"
expect "the lock's shape" "$(jq -c 'keys' "$work/body")" \
  '["battery","changed_at","door","locked","queued","unclean_start"]'
expect "locked from the factory" "$(jq -c '[.locked, .door]' "$work/body")" '[true,"closed"]'
[[ $(jq -r .changed_at "$work/body") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
  fail "changed_at is not RFC 3339: $r"
r=$(api POST /api/v1/lock -d '{"action":"unlock"}')
expect "unlock" "${r%% *} $(jq -c .locked "$work/body")" "200 false"
r=$(api GET /api/v1/status)
expect "status shows it" "$(jq -r .lock "$work/body")" unlocked
r=$(api POST /api/v1/lock -d '{"action":"lock"}')
expect "lock" "${r%% *} $(jq -c .locked "$work/body")" "200 true"
r=$(api GET /api/v1/status)
expect "status shows it" "$(jq -r .lock "$work/body")" locked
r=$(api GET /api/v1/log)
expect "the log, newest first" "$(jq -c '[.entries[0:2][] | [.event, .source]]' "$work/body")" \
  '[["locked","api"],["unlocked","api"]]'
echo "ok: unlocked and locked through the API; status and the access log say so"

# --- PIN codes -----------------------------------------------------------------------------------
pin_body() { jq -cn --arg n "$1" --arg p "$2" '{name: $n, pin: $p}'; }
r=$(api POST /api/v1/pins -d "$(pin_body Alice 135792)")
expect "add a PIN" "${r%% *}" 201
alice=$(jq -r .id "$work/body")
[[ $alice =~ ^[1-9][0-9]*$ ]] || fail "no id for the new PIN: $r"
expect "a sequence" "$(api POST /api/v1/pins -d "$(pin_body Bob 234567)")" \
  '400 {"error":"weak pin","reason":"sequence"}'
expect "one digit repeated" "$(api POST /api/v1/pins -d "$(pin_body Bob 777777)")" \
  '400 {"error":"weak pin","reason":"repeated"}'
expect "too short" "$(api POST /api/v1/pins -d "$(pin_body Bob 13579)")" \
  '400 {"error":"weak pin","reason":"length"}'
expect "not digits" "$(api POST /api/v1/pins -d "$(pin_body Bob 13579a)")" \
  '400 {"error":"weak pin","reason":"digits"}'
expect "a name taken" "$(api POST /api/v1/pins -d "$(pin_body Alice 246813)")" "$conflict"
expect "a PIN taken" "$(api POST /api/v1/pins -d "$(pin_body Bob 135792)")" "$conflict"
for i in $(seq 2 16); do
  r=$(api POST /api/v1/pins -d "$(pin_body "user $i" "$((480000 + 131 * i))")")
  expect "PIN $i" "${r%% *}" 201
done
expect "a 17th PIN" "$(api POST /api/v1/pins -d "$(pin_body Carol 918273)")" "$conflict"
r=$(api GET /api/v1/pins)
expect "16 PINs" "$(jq '.pins | length' "$work/body")" 16
expect "listed by name and date" "$(jq -c '[.pins[0] | keys[]]' "$work/body")" '["created","id","name"]'
grep -q 135792 "$work/body" && fail "the PIN list shows a code"
for i in $(seq 2 16); do grep -q "$((480000 + 131 * i))" "$work/body" && fail "the PIN list shows a code"; done
expect "remove" "$(api POST /api/v1/pins/remove -d "{\"id\":$alice}")" "204 "
expect "remove again" "$(api POST /api/v1/pins/remove -d "{\"id\":$alice}")" '404 {"error":"not found"}'
r=$(api GET /api/v1/pins)
expect "15 PINs" "$(jq '.pins | length' "$work/body")" 15
r=$(api POST /api/v1/pins -d "$(pin_body Carol 918273)")
expect "room again" "${r%% *}" 201
r=$(api GET /api/v1/log)
expect "the log names PIN changes" "$(jq -c '[.entries[0:2][] | .event]' "$work/body")" \
  '["pin_added","pin_removed"]'
[ "$(jq '.entries | length' "$work/body")" -le 20 ] || fail "the log shows more than 20 entries"
grep -q 918273 "$work/body" && fail "the log shows a code"
echo "ok: PINs: weak, taken and a 17th refused with their reason; listed without codes; removed once"

# --- the malformed-input campaign ------------------------------------------------------------------
"$KEELD_BIN" --describe --port "$port" | jq -c '.routes[]' >"$work/routes"
snapshot() {
  api GET /api/v1/lock >/dev/null && jq -c '[.locked, .changed_at, .door]' "$work/body"
  api GET /api/v1/pins >/dev/null && cat "$work/body"
  api GET /api/v1/log >/dev/null && jq -c '.entries[0].seq' "$work/body"
  api GET /api/v1/security >/dev/null && jq -c '[.checks[] | select(.id == "data_processing")]' "$work/body"
}
before=$(snapshot)
# Bodies: each file one probe.
mkdir "$work/probe"
# shellcheck disable=SC2059 # the probe is a printf format: \x escapes make the bad bytes
probe() { printf "$2" >"$work/probe/$1"; }
probe unknown '{"debug":true}'
probe array '[]'
probe string '"lock"'
probe number '42'
probe null 'null'
probe empty_object '{}'
probe wrong_types '{"action":1,"name":2,"pin":3,"id":"4","password":5,"current":6,"new":7,"auto_install":"yes","data_processing":"no","notify":0,"postpone_hours":"1"}'
probe action_unknown_member '{"action":"unlock","force":true}'
probe action_twice '{"action":"lock","action":"unlock"}'
probe pin_extra '{"name":"Mallory","pin":"864209","admin":true}'
probe id_huge '{"id":1e999999}'
probe id_long '{"id":123456789012345678901234567890123456789}'
probe id_negative '{"id":-1}'
probe id_fraction '{"id":1.5}'
probe hours_huge '{"postpone_hours":1e308}'
probe setup_one '{"auto_install":true}'
probe bad_utf8 '{"name":"\xc0\xaf\xff","pin":"864209"}'
probe bad_utf8_raw '\xff\xfe\xfd'
probe surrogate '{"name":"\\ud800","pin":"864209"}'
probe escaped_nul '{"action":"unlock\\u0000","password":"x\\u0000","name":"a\\u0000","pin":"8642\\u0000"}'
probe truncated '{"action":"unlo'
probe trailing '{"action":"unlock"}{"action":"unlock"}'
probe control '{"name":"a\\u0007b","pin":"864209"}'
head -c 1500 /dev/zero | tr '\0' '[' >"$work/probe/deep"
{ printf '{"action":"unlock","pad":"'; head -c 3000 /dev/zero | tr '\0' a; printf '"}'; } >"$work/probe/oversized"
{ printf '{"password":"'; head -c 60000 /dev/zero | tr '\0' a; printf '"}'; } >"$work/probe/oversized_60k"
# uniform WHAT: the last answer is a 4xx whose body is exactly {"error":"..."}
uniform() {
  local code=${r%% *}
  [[ $code =~ ^4[0-9][0-9]$ ]] || fail "$1: not a 4xx: $r"
  jq -e 'type == "object" and keys == ["error"] and (.error | type == "string")' "$work/body" \
    >/dev/null 2>&1 || fail "$1: not a uniform error body: $r"
  grep -qi '^content-type: application/json' "$work/headers" || fail "$1: not JSON"
}
asked=0
while read -r route; do
  m=$(jq -r .method <<<"$route") p=$(jq -r .path <<<"$route")
  for w in PUT DELETE PATCH OPTIONS; do
    r=$(api "$w" "$p")
    uniform "$w $p"
    expect "$w $p" "${r%% *}" 405
    asked=$((asked + 1))
  done
  if ! jq -se --arg p "$p" 'any(.[]; .path == $p and .method == "POST")' "$work/routes" >/dev/null; then
    r=$(api POST "$p" -d '{"action":"unlock"}')
    uniform "POST $p"
    asked=$((asked + 1))
  fi
  [ "$m" = POST ] || continue
  for f in "$work/probe"/*; do
    r=$(api POST "$p" -H 'content-type: application/json' --data-binary @"$f")
    uniform "POST $p $(basename "$f")"
    asked=$((asked + 1))
  done
done <"$work/routes"
kill -0 "$keeld_pid" 2>/dev/null || fail "keeld died during the campaign"
# A body past what keeld reads at all ends the connection unanswered; keeld stays up.
{ printf '{"action":"'; head -c 70000 /dev/zero | tr '\0' a; printf '"}'; } >"$work/huge"
r=$(api POST /api/v1/lock --data-binary @"$work/huge")
[[ $r =~ ^000 ]] || uniform "a 70 KB body"
kill -0 "$keeld_pid" 2>/dev/null || fail "keeld died on a 70 KB body"
after=$(snapshot)
[ "$before" = "$after" ] || fail "the campaign changed the device: before $before, after $after"
login "$own" >/dev/null # the owner's password still opens
grep -q 'event=setup.completed\|event=update.settings' "$work/keeld.run" &&
  fail "a malformed body changed the owner's settings"
echo "ok: $asked malformed requests over $(wc -l <"$work/routes") declared routes: each a uniform 4xx," \
  "keeld up, the bolt, PINs, log and choices unchanged"
keeld_stop
echo "PASS: keeld's lock API and its input validation (5.9-2, 5.13-1A)"
