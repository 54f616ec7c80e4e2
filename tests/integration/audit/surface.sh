#!/usr/bin/env bash
# 5.5-4-2, 5.5-5-2, 5.6-1-2 with an IXIT, 5.6-2-2 and the white-box 5.6-4A-2 / 5.6-4-2:
# keeld described by its own `keeld --describe` passes them; a deliberately bad device (an
# undeclared open port, a status route that answers without a session, a Server header with
# a version) fails each, named in the evidence; a broken IXIT is refused with the field named.
. "$(dirname "$0")/lib.sh"
: "${KEELD_BIN:?KEELD_BIN must name keeld}"
work=$WORK # keeld_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"

# evidence NAME TEST LINE: test case TEST of report NAME has the evidence line LINE.
evidence() {
    local p="${2%-2}"
    jq_expect "$1" "$(provision "$p") | .tests[] | select(.id == \"$2\")
                     | .evidence | any(. == \"$3\")"
}
verdict_is() { jq_expect "$1" "$(provision "$2") | .verdict == \"$3\""; }

# ---- keeld, described by itself ---------------------------------------------------------
keeld_provision "$WORK/dev" "$WORK/label.txt" --rot file
harness_keeld_owns "$WORK/dev"
start_peer keeld "$KEELD_BIN" --data "$WORK/dev" --listen 127.0.0.1 --port 8443
wait_port 8443
"$KEELD_BIN" --describe --listen 127.0.0.1 --port 8443 >"$WORK/keeld-ixit.json" ||
    fail "keeld --describe failed"
# The IXIT validates against its schema.
/usr/bin/python3 - "$KEEL_SOURCE_DIR/data/schemas/ixit.schema.json" "$WORK/keeld-ixit.json" <<'PY' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
PY
    fail "keeld --describe does not validate against data/schemas/ixit.schema.json"

run_audit keeld 0 --target 127.0.0.1:8443 --ixit "$WORK/keeld-ixit.json"
for p in 5.5-1 5.5-4 5.5-5 5.6-1 5.6-2; do verdict_is keeld $p PASS; done
evidence keeld 5.6-1-2 "declared interfaces (IXIT): TCP 8443"
evidence keeld 5.6-1-2 "open TCP ports: 8443"
evidence keeld 5.5-4-2 "GET /api/v1/status without a session: HTTP 401"
evidence keeld 5.5-4-2 "POST /api/v1/password with a bogus bearer token: HTTP 401"
evidence keeld 5.5-5-2 "POST /api/v1/password without a session: HTTP 401"
jq_expect keeld "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 CBC only: refused\"))"
jq_expect keeld "$(provision 5.6-2) | .tests[0].evidence | any(startswith(\"TLS certificate subject (evidence only): \"))"
jq_expect keeld "$(provision 5.6-2) | .tests[0].evidence | all(startswith(\"Server\") | not)"

# Without the IXIT: the route tests cannot run, the port test is as before.
run_audit keeld-noixit 0 --target 127.0.0.1:8443
verdict_is keeld-noixit 5.5-4 INCONCLUSIVE
evidence keeld-noixit 5.5-4-2 "no IXIT routes"
evidence keeld-noixit 5.5-5-2 "no IXIT routes"
verdict_is keeld-noixit 5.6-1 PASS
verdict_is keeld-noixit 5.6-2 PASS
evidence keeld-noixit 5.6-1-2 "declared interfaces: TCP 8443"

# An IXIT that declares a second inbound port the device does not open: still PASS (one
# declared port answers), the closed one is named.
jq '.interfaces += [.interfaces[0] | .id = "spare" | .port = 8999]' "$WORK/keeld-ixit.json" \
    >"$WORK/spare-ixit.json"
run_audit keeld-spare 0 --target 127.0.0.1:8443 --ixit "$WORK/spare-ixit.json"
verdict_is keeld-spare 5.6-1 PASS
evidence keeld-spare 5.6-1-2 "TCP 8999: declared, closed"

# White-box 5.6-4A-2: the device binary of this (development) build fails; a tree with only
# a production marker passes; V2.1.1 names the test 5.6-4-2.
mkdir -p "$WORK/fw-dev/usr/bin" "$WORK/fw-prod/usr/lib"
cp "$KEELD_BIN" "$WORK/fw-dev/usr/bin/keeld"
printf '\177ELF\0keel-build-kind: production\0y' >"$WORK/fw-prod/usr/lib/libkeel.so.0"
# a header or a document quoting the development marker is not a build
mkdir -p "$WORK/fw-prod/usr/include/keel"
printf '/* keel-build-kind: development */\n' >"$WORK/fw-prod/usr/include/keel/core.h"
run_audit fw-dev 3 --target 127.0.0.1:8443 --firmware "$WORK/fw-dev"
verdict_is fw-dev 5.6-4A FAIL
evidence fw-dev 5.6-4A-2 "usr/bin/keeld: keel development build"
run_audit fw-prod 0 --target 127.0.0.1:8443 --firmware "$WORK/fw-prod"
verdict_is fw-prod 5.6-4A PASS
evidence fw-prod 5.6-4A-2 "only keel production builds found (1 file(s))"
run_audit fw-v2 3 --target 127.0.0.1:8443 --firmware "$WORK/fw-dev" --version 2.1.1
jq_expect fw-v2 "$(provision 5.6-4) | .verdict == \"FAIL\" and .tests[0].id == \"5.6-4-2\""
stop_peers

# ---- a bad device ---------------------------------------------------------------------
weak_device 8444 bad --accept "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    --guard --open-status --server-header "WeakHTTPd/1.2.3" --extra-port 9090
jq '.interfaces[0].port = 8444 | .interfaces |= map(select(.direction == "inbound"))
    | .routes += [{"method": "POST", "path": "/api/v1/remote-wipe", "public": true,
                   "security_relevant": true}]' "$WORK/keeld-ixit.json" >"$WORK/bad-ixit.json"
run_audit bad 3 --target 127.0.0.1:8444 --ixit "$WORK/bad-ixit.json"
verdict_is bad 5.6-1 FAIL
evidence bad 5.6-1-2 "TCP 9090: open, not declared"
evidence bad 5.6-1-2 "open TCP ports: 8444,9090"
verdict_is bad 5.5-4 FAIL
evidence bad 5.5-4-2 "GET /api/v1/status without a session: HTTP 200, not refused (401/403)"
evidence bad 5.5-4-2 "GET /api/v1/status with a bogus bearer token: HTTP 200, not refused (401/403)"
verdict_is bad 5.5-5 FAIL
evidence bad 5.5-5-2 "POST /api/v1/remote-wipe: security-relevant and declared public (no authentication)"
verdict_is bad 5.6-2 FAIL
jq_expect bad "$(provision 5.6-2) | .tests[0].evidence | any(endswith(\"Server header 'WeakHTTPd/1.2.3' names a version\"))"
verdict_is bad 5.5-1 PASS

# ---- a broken IXIT is refused before anything is probed ----------------------------------
jq '.interfaces[0].port = 70000' "$WORK/keeld-ixit.json" >"$WORK/broken.json"
rc=0
in_ns "$KEEL_BIN" audit --target 127.0.0.1:8444 --ixit "$WORK/broken.json" --out "$WORK/broken" \
    >"$WORK/broken.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a broken IXIT: exit $rc, expected 1"
grep -qF "$WORK/broken.json: interfaces[0].port: must be an integer 1-65535" "$WORK/broken.out" ||
    fail "a broken IXIT: $(cat "$WORK/broken.out")"
[ ! -e "$WORK/broken/report.json" ] || fail "a broken IXIT still made a report"
echo "PASS: audit surface (5.5-4, 5.5-5, 5.6-1, 5.6-2, 5.6-4A)"
