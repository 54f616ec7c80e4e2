#!/bin/bash
# keeld end to end on loopback: start-up checks (identity, root of trust, secure store), the
# local API (5.1, 5.5-4, 5.13), HTTPS only under keel's TLS policy (5.5-1), no banner (5.6),
# clean shutdown on SIGTERM.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
fail() { keeld_fail "$@"; }

keeld_provision "$work/dev" "$work/label"
pw=$(field password "$work/label")
serial=$(field serial "$work/label")

# keeld refuses to start on a damaged device directory, naming the problem.
refuses() { # DIR PATTERN [keeld options]: keeld exits 1 with PATTERN in its error
  local dir=$1 pattern=$2 rc=0; shift 2
  "$KEELD_BIN" --data "$dir" --port 1 "$@" >"$work/refuse.log" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "keeld on $dir exited $rc, not 1: $(cat "$work/refuse.log")"
  grep -qE "$pattern" "$work/refuse.log" ||
    fail "keeld on $dir did not say '$pattern': $(cat "$work/refuse.log")"
}
cp -a "$work/dev" "$work/open-key" && chmod 644 "$work/open-key/device-key.pem"
refuses "$work/open-key" "device-key.pem: mode 644"
cp -a "$work/dev" "$work/extra" &&
  jq '. + {debug: true}' "$work/dev/identity.json" >"$work/extra/identity.json"
refuses "$work/extra" "identity.json: unknown field 'debug'"
cp -a "$work/dev" "$work/nomodel" &&
  jq 'del(.model)' "$work/dev/identity.json" >"$work/nomodel/identity.json"
refuses "$work/nomodel" "identity.json: missing field 'model'"
cp -a "$work/dev" "$work/badtype" &&
  jq '.serial = 42' "$work/dev/identity.json" >"$work/badtype/identity.json"
refuses "$work/badtype" "identity.json: field 'serial' must be a string"
cp -a "$work/dev" "$work/oldformat" &&
  jq '.format = 1' "$work/dev/identity.json" >"$work/oldformat/identity.json"
refuses "$work/oldformat" "identity.json: field 'format' must be the number 2"
echo "ok: keeld refuses a group-readable key and a malformed identity.json, naming the field"

# The root of trust and the secure store: never recreated, never worked around.
cp -a "$work/dev" "$work/otherrot" &&
  jq '.rot = "tpm2"' "$work/dev/identity.json" >"$work/otherrot/identity.json"
refuses "$work/otherrot" "root of trust 'file' is the file backend, but .*identity.json says the device was made with tpm2"
refuses "$work/dev" "root of trust 'nonsense:x'" --rot nonsense:x
cp -a "$work/dev" "$work/nostore" && rm "$work/nostore/store.kst"
refuses "$work/nostore" "secure store $work/nostore/store.kst: not found"
[ ! -e "$work/nostore/store.kst" ] || fail "keeld made a new store"
cp -a "$work/dev" "$work/tampered"
size=$(stat -c %s "$work/tampered/store.kst")
printf '\xff' | dd of="$work/tampered/store.kst" bs=1 seek=$((size - 20)) conv=notrunc status=none
cp "$work/tampered/store.kst" "$work/tampered.kst"
refuses "$work/tampered" "secure store $work/tampered/store.kst: .*tampered"
cmp -s "$work/tampered/store.kst" "$work/tampered.kst" || fail "keeld changed a tampered store"
cp -a "$work/dev" "$work/nokey" && rm "$work/nokey/rot/storage.key"
refuses "$work/nokey" "secure store $work/nokey/store.kst"
echo "ok: keeld refuses a wrong, missing or unusable root of trust and a missing or tampered store, naming it"

keeld_start "$work/dev"
[ "$(grep -c 'listening on' "$work/keeld.run")" -eq 1 ] || fail "more than one ready line"
grep -q '^keeld: factory state, root of trust file$' "$work/keeld.run" || fail "no state line"

expect "wrong password" "$(call POST /api/v1/login -d "$(login_body "AAAA-AAAA-AAAA-AAAA")")" \
  '401 {"error":"unauthorized"}'
r=$(call POST /api/v1/login -H 'content-type: application/json' -d "$(login_body "$pw")")
[[ $r =~ ^200\ \{\"token\":\"[0-9a-f]{64}\",\"expires_in\":900\}$ ]] || fail "login: $r"
token=$(jq -r .token "$work/body")
grep -qi '^server:' "$work/headers" && fail "a Server header: $(grep -i '^server:' "$work/headers")"
grep -qi '^cache-control: no-store' "$work/headers" || fail "token response may be cached"
pw_typed=$(echo "${pw,,}" | tr -d -- -)
pw_typed="${pw_typed:0:8} ${pw_typed:8}"
expect "label as typed" "$(call POST /api/v1/login -d "$(login_body "$pw_typed")" | cut -c1-3)" 200
echo "ok: wrong password 401, right password 200 with a 256-bit token (label as typed too), no Server header"

expect "status without token" "$(call GET /api/v1/status)" '401 {"error":"unauthorized"}'
expect "status with a made-up token" \
  "$(call GET /api/v1/status -H "Authorization: Bearer $(printf '%064d' 0)")" \
  '401 {"error":"unauthorized"}'
# 5.12-1: in the factory state the label password's session reaches only the setup routes.
expect "status with token, factory state" "$(call GET /api/v1/status -H "Authorization: Bearer $token")" \
  '403 {"error":"setup required"}'
grep -qi '^server:' "$work/headers" && fail "a Server header on status"
r=$(call GET /api/v1/device)
expect "device" "$(jq -c '[.model, .serial, .state]' "$work/body")" "[\"keel-lock-1\",\"$serial\",\"factory\"]"
r=$(call GET /api/v1/security -H "Authorization: Bearer $token")
expect "the root of trust named" \
  "$(jq -r '.checks[] | select(.id == "root_of_trust") | .detail' "$work/body")" \
  "file: a development backend, keys in files"
expect "logout" "$(call POST /api/v1/logout -H "Authorization: Bearer $token")" "204 "
expect "status after logout" "$(call GET /api/v1/status -H "Authorization: Bearer $token")" \
  '401 {"error":"unauthorized"}'
expect "logout again" "$(call POST /api/v1/logout -H "Authorization: Bearer $token")" \
  '401 {"error":"unauthorized"}'
echo "ok: status needs a session (and setup); the security check names the root of trust (file); logout ends it"

head -c 2048 /dev/zero | tr '\0' x >"$work/big"
expect "oversized body" "$(call POST /api/v1/login --data-binary @"$work/big")" \
  '413 {"error":"payload too large"}'
expect "malformed JSON" "$(call POST /api/v1/login -d '{"password":')" '400 {"error":"bad request"}'
expect "unknown field" "$(call POST /api/v1/login -d '{"password":"x","admin":true}')" \
  '400 {"error":"bad request"}'
expect "wrong type" "$(call POST /api/v1/login -d '{"password":1}')" '400 {"error":"bad request"}'
expect "escaped NUL" "$(call POST /api/v1/login -d '{"password":"AV6Q\u0000"}')" \
  '400 {"error":"bad request"}'
expect "password change without a session" \
  "$(call POST /api/v1/password -d "$(password_body "$pw" "a good new password")")" \
  '401 {"error":"unauthorized"}'
expect "unknown path" "$(call GET /api/v1/nothing)" '404 {"error":"not found"}'
expect "unknown path, POST" "$(call POST /admin -d x)" '404 {"error":"not found"}'
expect "wrong method" "$(call GET /api/v1/login)" '405 {"error":"method not allowed"}'
grep -qi '^allow: POST' "$work/headers" || fail "405 without Allow"
expect "wrong method, DELETE" "$(call DELETE /api/v1/status)" '405 {"error":"method not allowed"}'
expect "plain HTTP" "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$port/api/v1/status" || true)" "000"
echo "ok: 413, 400, 404, 405 with uniform bodies; no plain HTTP"

# TLS: the client is made willing to go lower, so a refusal is the server's policy.
tls() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" 2>&1 || true; }
tls -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' | grep -q 'alert protocol version' ||
  fail "TLS 1.1 not refused by the server"
tls -tls1 -cipher 'DEFAULT:@SECLEVEL=0' | grep -q 'alert protocol version' ||
  fail "TLS 1.0 not refused by the server"
tls -tls1_2 | grep -q '^New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384' || fail "TLS 1.2 not accepted"
tls -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA | grep -q 'alert handshake failure' ||
  fail "a CBC suite was accepted"
tls | grep -q '^New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384' || fail "TLS 1.3 not negotiated by default"
fp=$(tls | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
[ "$fp" = "$(field "HTTPS certificate SHA-256" "$work/label")" ] ||
  fail "served certificate is not the labelled one"
echo "ok: TLS 1.0/1.1 and CBC refused, 1.2 accepted, 1.3 by default, labelled certificate served"

# A live session, then SIGTERM: clean exit 0.
call POST /api/v1/login -d "$(login_body "$pw")" >/dev/null
rc=0
harness_stop "$keeld_pid" || rc=$?
[ $rc -eq 0 ] || fail "keeld exited $rc on SIGTERM"
grep -q "$pw" "$work/keeld.run" && fail "the password is in keeld's log"
echo "ok: SIGTERM gives a clean exit 0"
