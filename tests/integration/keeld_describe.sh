#!/usr/bin/env bash
# 5.6-1: keeld's interfaces and routes are declared in one table. `keeld --describe` prints
# it; the copy in docs/conformance/ (the IXIT's 15-Intf for the default configuration) must
# be exactly what keeld says, so the documentation cannot drift from the code. The data
# inventory it also prints ("privacy") is data/privacy/keeld-inventory.json itself, checked
# against that file rather than copied into the doc.
set -euo pipefail
: "${KEEL_SOURCE_DIR:?}" "${KEELD_BIN:?}"

fail() { echo "FAIL: $*"; exit 1; }
doc=$KEEL_SOURCE_DIR/docs/conformance/keeld-interfaces.json

now=$("$KEELD_BIN" --describe) || fail "keeld --describe failed"
diff <(jq -S 'del(.privacy)' <<<"$now") <(jq -S . "$doc") ||
  fail "docs/conformance/keeld-interfaces.json differs from keeld --describe (regenerate it)"

# The default: one inbound TCP port, 8443 on loopback; no cloud link unless configured.
jq -e '[.interfaces[] | select(.direction == "inbound")] | length == 1' <<<"$now" >/dev/null ||
  fail "more than one inbound interface by default"
jq -e '.interfaces[0] | .transport == "tcp" and .port == 8443 and .address == "127.0.0.1"' \
  <<<"$now" >/dev/null || fail "the local API is not tcp/8443 on 127.0.0.1"
jq -e 'all(.interfaces[]; (.purpose | length) > 0 and (.authentication | length) > 0)' \
  <<<"$now" >/dev/null || fail "an interface without purpose or authentication"

# The options move the declared interfaces with them, and --mqtt adds the outbound link.
with=$("$KEELD_BIN" --describe --listen 10.1.2.3 --port 9443 --mqtt broker.example:8884)
jq -e '.interfaces[0].address == "10.1.2.3" and .interfaces[0].port == 9443' <<<"$with" \
  >/dev/null || fail "--listen/--port not reflected"
jq -e '.interfaces[1] | .id == "cloud" and .direction == "outbound" and .port == 8884 and
       .address == "broker.example"' <<<"$with" >/dev/null || fail "--mqtt not reflected"
mqtt_default=$("$KEELD_BIN" --describe --mqtt broker.example)
jq -e '.interfaces[1].port == 8883' <<<"$mqtt_default" >/dev/null || fail "MQTT default port"

# 6-1, 6-5: the data inventory keeld serves and describes is the file, whole.
jq -e --slurpfile inv "$KEEL_SOURCE_DIR/data/privacy/keeld-inventory.json" '.privacy == $inv[0]' \
  <<<"$now" >/dev/null || fail "keeld --describe's privacy is not data/privacy/keeld-inventory.json"

# 5.5-4 / 5.5-5: public are only the login, the product's declarations, the data inventory
# and the setup page's static files (GET), and no security-relevant route is public.
jq -e '[.routes[] | select(.public) | .method + " " + .path] | sort ==
       ["GET /", "GET /.well-known/security.txt", "GET /api/v1/device", "GET /api/v1/privacy",
        "GET /setup.css", "GET /setup.js", "POST /api/v1/login"]' <<<"$now" >/dev/null ||
  fail "public routes are not exactly the login, the device, the inventory and the static files"
# 5.12-1: in the factory state only the setup routes, the page and the privacy notice (the
# inventory: what the lock will process, readable before setting it up) are served.
jq -e '[.routes[] | select(.factory) | .path] | unique ==
       ["/", "/.well-known/security.txt", "/api/v1/device", "/api/v1/login", "/api/v1/logout",
        "/api/v1/password", "/api/v1/privacy", "/api/v1/security", "/api/v1/setup", "/setup.css",
        "/setup.js"]' \
  <<<"$now" >/dev/null || fail "the factory state serves more or less than setup needs"
jq -e '[.routes[] | select(.security_relevant and .public)] | length == 0' <<<"$now" \
  >/dev/null || fail "a security-relevant route is public"
jq -e '[.routes[] | select(.security_relevant) | .path] | index("/api/v1/password") != null' \
  <<<"$now" >/dev/null || fail "the password change is not marked security-relevant"

# Bad options are refused before anything is described.
rc=0
"$KEELD_BIN" --describe --mqtt broker.example:0 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--mqtt with port 0 gave exit $rc, not 2"
rc=0
"$KEELD_BIN" --describe --mqtt :8883 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "--mqtt without host gave exit $rc, not 2"
echo "PASS: keeld describe"
