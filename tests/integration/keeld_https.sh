#!/bin/bash
# keeld end to end on loopback: start-up checks, the local API (5.1, 5.5-4, 5.13), HTTPS
# only under keel's TLS policy (5.5-1), no banner (5.6), clean shutdown on SIGTERM.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

fail() { echo "FAIL: $*"; [ -f "$work/keeld.log" ] && sed 's/^/  keeld: /' "$work/keeld.log"; exit 1; }

"$KEEL_BIN" provision --out "$work/dev" --label "$work/label" >/dev/null
pw=$(sed -n 's/^password: //p' "$work/label")
serial=$(sed -n 's/^serial: *//p' "$work/label")

# keeld refuses to start on a damaged device directory, naming the problem.
refuses() { # DIR PATTERN: keeld exits 1 with PATTERN in its error
  local rc=0
  "$KEELD_BIN" --data "$1" --port 1 >"$work/refuse.log" 2>&1 || rc=$?
  [ $rc -eq 1 ] || fail "keeld on $1 exited $rc, not 1"
  grep -qE "$2" "$work/refuse.log" || fail "keeld on $1 did not say '$2': $(cat "$work/refuse.log")"
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
cp -a "$work/dev" "$work/badhash" &&
  jq '.password_hash |= .[0:-5]' "$work/dev/identity.json" >"$work/badhash/identity.json"
refuses "$work/badhash" "field 'password_hash': malformed input"
echo "ok: keeld refuses a group-readable key and a malformed identity.json, naming the field"

# A free loopback port: nothing answers on it, and keeld could bind it.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
started=0
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  port_free $port || continue
  harness_start "$work/keeld.log" "$KEELD_BIN" --data "$work/dev" --listen 127.0.0.1 --port $port
  keeld_pid=$harness_last_pid
  if harness_wait_for "$work/keeld.log" "^keeld: listening on 127.0.0.1:$port\$" 20 "$keeld_pid" \
       2>/dev/null; then
    started=1
    break
  fi
done
[ $started -eq 1 ] || fail "keeld did not start"
[ "$(grep -c 'listening on' "$work/keeld.log")" -eq 1 ] || fail "more than one ready line"
url=https://127.0.0.1:$port

# call METHOD PATH [curl args...]: prints "STATUS BODY", headers to $work/headers
call() {
  local method=$1 path=$2; shift 2
  curl -sk --max-time 10 -X "$method" -D "$work/headers" -o "$work/body" -w '%{http_code}' \
    "$@" "$url$path" || true
  printf ' %s' "$(cat "$work/body" 2>/dev/null)"
}
expect() { # WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}
login_body() { jq -cn --arg p "$1" '{password: $p}'; }

expect "wrong password" "$(call POST /api/v1/login -d "$(login_body "AAAA-AAAA-AAAA-AAAA-AAAA")")" \
  '401 {"error":"unauthorized"}'
r=$(call POST /api/v1/login -H 'content-type: application/json' -d "$(login_body "$pw")")
[[ $r =~ ^200\ \{\"token\":\"[0-9a-f]{64}\",\"expires_in\":900\}$ ]] || fail "login: $r"
token=$(jq -r .token "$work/body")
grep -qi '^server:' "$work/headers" && fail "a Server header: $(grep -i '^server:' "$work/headers")"
grep -qi '^cache-control: no-store' "$work/headers" || fail "token response may be cached"
echo "ok: wrong password 401, right password 200 with a 256-bit token, no Server header"

expect "status without token" "$(call GET /api/v1/status)" '401 {"error":"unauthorized"}'
expect "status with a made-up token" \
  "$(call GET /api/v1/status -H "Authorization: Bearer $(printf '%064d' 0)")" \
  '401 {"error":"unauthorized"}'
r=$(call GET /api/v1/status -H "Authorization: Bearer $token")
expect "status with token" "$r" \
  "200 {\"model\":\"keel-lock-1\",\"serial\":\"$serial\",\"firmware_version\":\"$(jq -r .firmware_version "$work/body")\",\"state\":\"factory\",\"lock\":\"locked\"}"
grep -qi '^server:' "$work/headers" && fail "a Server header on status"
expect "logout" "$(call POST /api/v1/logout -H "Authorization: Bearer $token")" "204 "
expect "status after logout" "$(call GET /api/v1/status -H "Authorization: Bearer $token")" \
  '401 {"error":"unauthorized"}'
expect "logout again" "$(call POST /api/v1/logout -H "Authorization: Bearer $token")" \
  '401 {"error":"unauthorized"}'
echo "ok: status needs a session; logout ends it"

head -c 2048 /dev/zero | tr '\0' x >"$work/big"
expect "oversized body" "$(call POST /api/v1/login --data-binary @"$work/big")" \
  '413 {"error":"payload too large"}'
expect "malformed JSON" "$(call POST /api/v1/login -d '{"password":')" '400 {"error":"bad request"}'
expect "unknown field" "$(call POST /api/v1/login -d '{"password":"x","admin":true}')" \
  '400 {"error":"bad request"}'
expect "wrong type" "$(call POST /api/v1/login -d '{"password":1}')" '400 {"error":"bad request"}'
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
[ "$fp" = "$(sed -n 's/^certificate SHA-256: //p' "$work/label")" ] ||
  fail "served certificate is not the labelled one"
echo "ok: TLS 1.0/1.1 and CBC refused, 1.2 accepted, 1.3 by default, labelled certificate served"

# A live session, then SIGTERM: clean exit 0.
call POST /api/v1/login -d "$(login_body "$pw")" >/dev/null
rc=0
harness_stop "$keeld_pid" || rc=$?
[ $rc -eq 0 ] || fail "keeld exited $rc on SIGTERM"
echo "ok: SIGTERM gives a clean exit 0"
