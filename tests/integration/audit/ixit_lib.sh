# Shared by the audit's tests of what the device publishes and how it takes input
# (securitytxt.sh, published.sh, resilience.sh, malformed.sh, privacy.sh): keeld's IXIT as a laboratory
# gets it, a keeld set up by its owner, an nginx negative control, and report queries.
# Source after lib.sh and keeld_lib.sh ($work set).
# shellcheck shell=bash

: "${KEELD_BIN:?KEELD_BIN must name keeld}"
command -v nginx >/dev/null || fail "nginx is not installed (scripts/bootstrap)"

# keeld_ixit OUT OUTAGE-JSON|null KEELD-DESCRIBE-OPTIONS...: keeld's IXIT: `keeld --describe`
# completed with docs/conformance/keeld-ixit.json by docs/conformance/keeld-ixit.jq, validated
# against data/schemas/ixit.schema.json.
keeld_ixit() {
    local out=$1 outage=$2
    shift 2
    keeld_ixit_observed "$out" "$outage" null "$@"
}

# keeld_ixit_observed OUT OUTAGE-JSON|null MQTT-JSON|null KEELD-DESCRIBE-OPTIONS...: the same,
# with the laboratory's MQTT observer for the consent check (6-3A-2): {"host","port","ca",
# "cert","key","topic"}.
keeld_ixit_observed() {
    local out=$1 outage=$2 mqtt=$3
    shift 3
    "$KEELD_BIN" --describe "$@" |
        jq --slurpfile x "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.json" \
            --argjson outage "$outage" --argjson consent_mqtt "$mqtt" \
            -f "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.jq" \
            >"$out" || fail "cannot make keeld's IXIT"
    ixit_valid "$out"
}

# ixit_valid FILE: FILE follows data/schemas/ixit.schema.json.
ixit_valid() {
    /usr/bin/python3 - "$KEEL_SOURCE_DIR/data/schemas/ixit.schema.json" "$1" <<'PY' ||
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
PY
        fail "$1 does not validate against data/schemas/ixit.schema.json"
}

# keeld_at DIR PORT LOG [keeld options...]: keeld on DIR inside the namespace.
keeld_at() {
    local dir=$1 port=$2 log=$3
    shift 3
    harness_keeld_owns "$dir"
    start_peer "$log" "$KEELD_BIN" --data "$dir" --listen 127.0.0.1 --port "$port" "$@"
    keeld_pid=$harness_last_pid
    wait_port "$port"
}

# keeld_set_up PORT LABEL-FILE OWNER-PASSWORD: the owner's first-run setup (5.12-1) through the
# API: their own password, then the choices (automatic updates on, no optional processing).
keeld_set_up() {
    local port=$1 token
    keeld_owner_password "$port" "$(field password "$2")" "$3"
    token=$(in_ns curl -sk --max-time 10 -d "$(jq -cn --arg p "$3" '{password: $p}')" \
        "https://127.0.0.1:$port/api/v1/login" | jq -r .token)
    [ "$(in_ns curl -sk --max-time 10 -o /dev/null -w '%{http_code}' \
        -H "Authorization: Bearer $token" -d '{"auto_install":true,"data_processing":false}' \
        "https://127.0.0.1:$port/api/v1/setup")" = 204 ] ||
        fail "keeld on port $port: the setup was not taken"
    in_ns curl -sk --max-time 10 -o /dev/null -X POST -H "Authorization: Bearer $token" \
        "https://127.0.0.1:$port/api/v1/logout"
}

# audit NAME keel-audit-options...: keel audit inside the namespace (report in $WORK/NAME);
# exit 0 or 3 (whether a provision of another test fails is not this test's business), the
# report's shape checked.
audit() {
    local name=$1 rc=0
    shift
    mkdir -p "$WORK/$name"
    in_ns "$KEEL_BIN" audit --out "$WORK/$name" --format json "$@" >"$WORK/$name/stdout" \
        2>"$WORK/$name/stderr" || rc=$?
    if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
        cat "$WORK/$name/stdout" "$WORK/$name/stderr" >&2
        fail "$name: keel audit exited $rc"
    fi
    check_report "$WORK/$name/report.json"
}

# test_case PROVISION TEST: the jq path of a test case.
test_case() {
    printf '%s | .tests[] | select(.id == "%s")' "$(provision "$1")" "$2"
}

# verdict NAME PROVISION TEST VERDICT: the test case has that verdict.
verdict() {
    jq_expect "$1" "$(test_case "$2" "$3") | .verdict == \"$4\""
}

# says NAME PROVISION TEST REGEX: one of the test case's evidence lines matches REGEX.
says() {
    jq_expect "$1" "$(test_case "$2" "$3") | .evidence | any(test(\"$4\"))"
}

# nginx_at CONF-BODY: nginx inside the namespace with the server blocks given (its
# certificate is lib.sh's), restarted when running; files under $WORK/nginx.
nginx_pid=""
nginx_at() {
    [ -z "$nginx_pid" ] || harness_stop "$nginx_pid" || true
    nginx_conf "    server_tokens off;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
$1"
    start_peer nginx nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
    nginx_pid=$harness_last_pid
}
