# Shared by keel audit's integration tests: a private network namespace (so that no other
# service of the machine shows up in the 5.6-1 port scan), real peers started inside it,
# and cleanup of everything on every exit path. Source it; it sets -euo pipefail.
set -euo pipefail

: "${KEEL_BIN:?KEEL_BIN must name the keel CLI}"
: "${KEEL_SOURCE_DIR:?KEEL_SOURCE_DIR must name the source tree}"

FIXTURE="$KEEL_SOURCE_DIR/tests/fixtures/weak_device.py"
SCHEMA="$KEEL_SOURCE_DIR/data/schemas/audit-report.schema.json"

. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

harness_tempdir
WORK=$harness_dir
harness_netns_up "keel-audit-$$" ||
    fail "cannot create a network namespace (the audit integration tests need root)"

in_ns() {
    harness_in_ns "$@"
}

# A self-signed RSA certificate (RSA so that TLS 1.0 suites exist for the weak server).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 2 -subj /CN=localhost 2>/dev/null

# Start a peer inside the namespace in the background; harness_cleanup stops it.
start_peer() {
    local log="$1"
    shift
    harness_start "$WORK/$log.log" "$@" </dev/null
}

# Stop every peer started so far (the namespace stays).
stop_peers() {
    local pid
    for pid in "${harness_pids[@]}"; do
        harness_stop "$pid" || true
    done
    harness_pids=()
}

# Wait until 127.0.0.1:$1 accepts inside the namespace.
wait_port() {
    harness_wait_port "$1" 10 || {
        tail -n 5 "$WORK"/*.log >&2 2>/dev/null || true
        fail "nothing listens on port $1 (see $WORK)"
    }
}

tls_server() { # PORT LOGNAME OPENSSL-OPTIONS...
    local port="$1" log="$2"
    shift 2
    start_peer "$log" openssl s_server -accept "$port" -cert "$WORK/cert.pem" \
        -key "$WORK/key.pem" -quiet "$@"
    wait_port "$port"
}

weak_device() { # PORT LOGNAME FIXTURE-OPTIONS...
    local port="$1" log="$2"
    shift 2
    start_peer "$log" /usr/bin/python3 "$FIXTURE" --port "$port" --cert "$WORK/cert.pem" \
        --key "$WORK/key.pem" "$@"
    wait_port "$port"
}

# keeld_owner_password PORT LABEL-PASSWORD NEW-PASSWORD: set a keeld's owner password through
# its API inside the namespace (5.12-1: until then the label password's session reaches only
# the setup routes, so the status and update routes an audit reads answer 403).
keeld_owner_password() {
    local token
    token=$(in_ns curl -sk --max-time 10 -d "$(jq -cn --arg p "$2" '{password: $p}')" \
        "https://127.0.0.1:$1/api/v1/login" | jq -r .token)
    [ "$(in_ns curl -sk --max-time 10 -o /dev/null -w '%{http_code}' \
        -H "Authorization: Bearer $token" \
        -d "$(jq -cn --arg c "$2" --arg n "$3" '{current: $c, new: $n}')" \
        "https://127.0.0.1:$1/api/v1/password")" = 204 ] ||
        fail "cannot set the owner's password of the keeld on port $1"
}

# run_audit NAME EXPECTED-STATUS keel-audit-options...: runs keel audit inside the namespace
# with its reports in $WORK/NAME, checks the exit status and the report's shape.
run_audit() {
    local name="$1" expected="$2" rc=0
    shift 2
    mkdir -p "$WORK/$name"
    in_ns "$KEEL_BIN" audit --out "$WORK/$name" "$@" >"$WORK/$name/stdout" \
        2>"$WORK/$name/stderr" || rc=$?
    if [ "$rc" != "$expected" ]; then
        cat "$WORK/$name/stdout" "$WORK/$name/stderr" >&2
        fail "$name: keel audit exited $rc, expected $expected"
    fi
    check_report "$WORK/$name/report.json"
    [ -s "$WORK/$name/report.html" ] || fail "$name: no report.html"
    grep -q "report: $WORK/$name/report.json" "$WORK/$name/stdout" ||
        fail "$name: the report path is not printed"
    echo "ok: $name (exit $rc)"
}

# The exact shape of report.json (data/schemas/audit-report.schema.json), checked with jq,
# and with the JSON Schema itself when python's jsonschema is available.
check_report() {
    local report="$1"
    jq -e '
      def counts: (keys == ["FAIL","INCONCLUSIVE","N/A","NOT TESTED","PASS","total"])
        and ([.[]] | all(type == "number"))
        and (.PASS + .FAIL + ."N/A" + .INCONCLUSIVE + ."NOT TESTED" == .total);
      def verdict: IN("PASS","FAIL","N/A","INCONCLUSIVE","NOT TESTED");
      ((keys - ["sbom"]) == ["generated","provisions","standard","summary","target","tool","version"])
      and ((has("sbom") | not) or ((.sbom | keys == ["components","format","path","sources"])
            and .sbom.path == "sbom.cdx.json" and .sbom.format == "CycloneDX 1.5"))
      and .standard == "ETSI EN 303 645"
      and (.version | IN("3.1.3","2.1.1"))
      and (.generated | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
      and (.tool | keys == ["name","version"])
      and (.summary | keys == ["all","mandatory"])
      and (.summary.all | counts) and (.summary.mandatory | counts)
      and .summary.all.total == (.provisions | length)
      and .summary.mandatory.total == ([.provisions[] | select(.mandatory)] | length)
      and .summary.all.FAIL == ([.provisions[] | select(.verdict == "FAIL")] | length)
      and (.provisions | all(
            (keys == ["id","mandatory","requirement","section","status","tests","verdict"])
            and (.mandatory | type == "boolean") and (.verdict | verdict)
            and (.tests | all(
                  (keys == ["evidence","id","kind","verdict"])
                  and (.kind | IN("functional","conceptual")) and (.verdict | verdict)
                  and (.evidence | all(type == "string"))))))
    ' "$report" >/dev/null || fail "$report does not have the report shape"
    # Debian's python3 with python3-jsonschema (scripts/bootstrap installs both).
    if /usr/bin/python3 -c 'import jsonschema'; then
        /usr/bin/python3 - "$SCHEMA" "$report" <<'PY' || fail "$report does not validate against the schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
PY
    else
        fail "python3-jsonschema is missing: run scripts/bootstrap"
    fi
}

# jq_expect NAME FILTER: the filter must hold on $WORK/NAME/report.json.
jq_expect() {
    jq -e "$2" "$WORK/$1/report.json" >/dev/null ||
        fail "$1: expected $2 in $(jq -c '[.provisions[] | select(.tests != [])]' \
            "$WORK/$1/report.json")"
}

# verdict NAME PROVISION -> its verdict in the report.
provision() {
    printf '.provisions[] | select(.id == "%s")' "$1"
}

# nginx_conf HTTP-BLOCK: $WORK/nginx/nginx.conf for an nginx in the foreground whose files all
# live under $WORK/nginx, with HTTP-BLOCK (directives and server blocks) inside http {}.
nginx_conf() {
    mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
$1
}
CONF
}
