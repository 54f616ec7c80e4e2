#!/bin/bash
# 5.5-4 and 5.6-2 proved from keeld's own declaration, with curl and openssl s_client: every
# route 'keeld --describe' does not mark public answers 401 {"error":"unauthorized"} without a
# session and with a made-up one, and 200 (GET) with a real one once the owner has set up the
# device (5.12-1: before, the label password's session gets 403); every public route is
# reached without a session; undeclared paths answer the uniform 404; no response, lws's own error
# pages included, carries a Server header or a version string.
. "$KEEL_SOURCE_DIR/tests/integration/proof_lib.sh"
proof_need curl jq openssl timeout

proof_device
keeld_start "$work/dev"
"$KEELD_BIN" --describe --listen 127.0.0.1 --port "$port" | jq -c '.routes[]' >"$work/routes"
[ -s "$work/routes" ] || fail "keeld --describe declares no route"
grep -q '"public":false' "$work/routes" || fail "keeld --describe declares no route needing a session"
: >"$work/all-headers"
# req METHOD PATH [curl args...]: like call (keeld_lib.sh), keeping every response's headers.
req() {
  local r
  r=$(call "$@")
  cat "$work/headers" >>"$work/all-headers"
  printf '%s' "$r"
}
unauthorized='401 {"error":"unauthorized"}'

# --- without a session ---------------------------------------------------------------------------
guarded=0 public=0
while read -r route; do
  m=$(jq -r .method <<<"$route")
  p=$(jq -r .path <<<"$route")
  if [ "$(jq -r .public <<<"$route")" = false ]; then
    expect "$m $p without a session" "$(req "$m" "$p")" "$unauthorized"
    expect "$m $p with a made-up session" \
      "$(req "$m" "$p" -H "Authorization: Bearer $(openssl rand -hex 32)")" "$unauthorized"
    expect "$m $p with a made-up session, Basic" \
      "$(req "$m" "$p" -H "Authorization: Basic $(printf 'admin:admin' | base64)")" "$unauthorized"
    # The session is checked before anything else of the request: a small well-formed JSON
    # body changes nothing (no 400, no 413 before the 401).
    if [ "$m" != GET ]; then
      expect "$m $p without a session, with a body" \
        "$(req "$m" "$p" -H 'content-type: application/json' -d '{}')" "$unauthorized"
    fi
    guarded=$((guarded + 1))
  elif [ "$m" = GET ]; then
    # The setup page, security.txt and the device's declarations: read without a session.
    r=$(req GET "$p")
    [[ $r =~ ^200\  ]] || fail "public GET $p: $r"
    public=$((public + 1))
  else
    # Reached without a session: the body itself is judged (400), not the caller (401).
    expect "public $m $p, empty body" "$(req "$m" "$p" -H 'content-type: application/json' -d '')" \
      '400 {"error":"bad request"}'
    expect "public $m $p, malformed JSON" "$(req "$m" "$p" -d '{"password":')" \
      '400 {"error":"bad request"}'
    public=$((public + 1))
  fi
done <"$work/routes"
echo "ok: $guarded declared non-public route(s) answer 401 without a session, with a made-up bearer or Basic credentials, with or without a body; $public public route(s) are processed without one"

# --- undeclared paths ------------------------------------------------------------------------------
for p in / /admin /api /api/v1/ /api/v1/nothing /api/v1/status/x /api/v1/loginx /index.html \
  "/api/v1/../../etc/passwd" /%2e%2e/%2e%2e/etc/passwd /cgi-bin/test /.env; do
  jq -se --arg p "$p" 'any(.[]; .path == $p)' "$work/routes" >/dev/null && continue
  expect "undeclared GET $p" "$(req GET "$p" --path-as-is)" '404 {"error":"not found"}'
  expect "undeclared POST $p" "$(req POST "$p" --path-as-is -d x)" '404 {"error":"not found"}'
done
echo "ok: undeclared paths answer 404 {\"error\":\"not found\"}"

# --- with a real session ---------------------------------------------------------------------------
token=$(login "$pw")
cat "$work/headers" >>"$work/all-headers"
own="proof of the routes passphrase"
expect "the owner's password" "$(req POST /api/v1/password -H "Authorization: Bearer $token" \
  -d "$(password_body "$pw" "$own")")" "204 "
token=$(login "$own")
gets=0
while read -r route; do
  [ "$(jq -r '.public == false and .method == "GET"' <<<"$route")" = true ] || continue
  p=$(jq -r .path <<<"$route")
  r=$(req GET "$p" -H "Authorization: Bearer $token")
  [[ $r =~ ^200\ \{ ]] || fail "GET $p with a session: $r"
  gets=$((gets + 1))
done <"$work/routes"
[ "$gets" -gt 0 ] || fail "no non-public GET route to try with a session"
echo "ok: $gets non-public GET route(s) answer 200 with a session: the 401s were about the session"

# --- what lws answers by itself to malformed requests ----------------------------------------------
raw() { # NAME REQUEST (printf format)
  # shellcheck disable=SC2059
  (printf "$2"; sleep 1) | timeout 3 openssl s_client -quiet -connect "127.0.0.1:$port" \
    >"$work/raw-$1" 2>/dev/null || true
  { tr -d '\r' <"$work/raw-$1"; echo; } >>"$work/all-headers"
}
raw method 'GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n'
raw version 'GET / HTTP/9.9\r\n\r\n'
raw http10 'GET /api/v1/status HTTP/1.0\r\n\r\n'
raw header 'GET /api/v1/status HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'
raw length 'POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'
raw uri "GET /$(head -c 8192 /dev/zero | tr '\0' a) HTTP/1.1\r\nHost: x\r\n\r\n"
grep -q '^HTTP/1\.[01] [0-9]' "$work/all-headers" || fail "no response seen at all"
[ "$(grep -c '^HTTP/1\.[01] [0-9]' "$work/raw-method")" -ge 1 ] || fail "lws did not answer an unknown method"

# --- no banner, no version -------------------------------------------------------------------------
if grep -i '^server:' "$work/all-headers"; then fail "a response carries a Server header"; fi
# product/version tokens (lws/4.1, OpenSSL/3.0), dotted versions, or the names themselves
if sed 's#HTTP/1\.[01]##g' "$work/all-headers" |
  grep -iE '[a-z]+/[0-9]+\.[0-9]|[0-9]+\.[0-9]+\.[0-9]+|libwebsockets|\blws\b|openssl|keeld|x-powered-by'; then
  fail "a response names its software or a version (above)"
fi
echo "ok: $(grep -c '^HTTP/1\.[01] [0-9]' "$work/all-headers") responses, lws's own error pages" \
  "included: no Server header, no software name or version"
kill -0 "$keeld_pid" 2>/dev/null || fail "keeld died"
echo "PASS: the declared routes are exactly as guarded as keeld says, and nothing names itself"
