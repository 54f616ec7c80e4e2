#!/usr/bin/env bash
# 5.5-1-2 agrees with testssl.sh: the audit's own TLS prober and testssl.sh (a scanner keel
# did not write) must see the same protocol versions on a deliberately weak server (nginx
# with TLS 1.0 and 1.1 switched on) and on the reference device (keeld). A prober that
# disagrees with the reference tool on either is wrong, whichever verdict it gives.
. "$(dirname "$0")/lib.sh"
: "${KEELD_BIN:?KEELD_BIN must name keeld}"

command -v testssl >/dev/null || fail "testssl.sh is not installed (scripts/bootstrap)"
command -v nginx >/dev/null || fail "nginx is not installed (scripts/bootstrap)"

# --- the weak server: nginx, TLS 1.0 to 1.2, every cipher (security level 0) --------------
nginx_conf "    server {
        listen 127.0.0.1:4443 ssl;
        ssl_certificate $WORK/cert.pem;
        ssl_certificate_key $WORK/key.pem;
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
        ssl_ciphers ALL:@SECLEVEL=0;
        location / { return 200 \"ok\n\"; }
    }"
start_peer nginx nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
wait_port 4443

# testssl_view NAME PORT / audit_view NAME: testssl.sh's and the audit's view of each version, one line each as
# "TLS1 offered|not offered", the same four versions from both tools.
testssl_view() {
    in_ns timeout 120 testssl --quiet --color 0 --warnings batch --nodns none \
        --connect-timeout 10 --openssl-timeout 10 --ip 127.0.0.1 -p \
        --jsonfile "$WORK/$1.testssl.json" "https://localhost:$2" >"$WORK/$1.testssl.out" 2>&1 ||
        [ -s "$WORK/$1.testssl.json" ] || fail "$1: testssl.sh did not run: $(tail -5 "$WORK/$1.testssl.out")"
    jq -r '.[] | select(.id | IN("TLS1","TLS1_1","TLS1_2","TLS1_3"))
           | .id + " " + (if (.finding | startswith("not offered")) then "not offered"
                          elif (.finding | startswith("offered")) then "offered"
                          else "unknown: " + .finding end)' "$WORK/$1.testssl.json" | sort
}
audit_view() {
    jq -r '.provisions[] | select(.id == "5.5-1") | .tests[] | select(.id == "5.5-1-2")
           | .evidence[] | capture("^TLS (?<v>1\\.[0-3]): (?<r>accepted|refused)")
           | {"1.0":"TLS1","1.1":"TLS1_1","1.2":"TLS1_2","1.3":"TLS1_3"}[.v] + " "
             + (if .r == "accepted" then "offered" else "not offered" end)' \
        "$WORK/$1/report.json" | sort
}
compare() { # NAME PORT EXPECTED-AUDIT-STATUS EXPECTED-VIEW
    local name=$1 port=$2 status=$3 expected=$4 ts au
    run_audit "$name" "$status" --target "127.0.0.1:$port" --version 3.1.3
    ts=$(testssl_view "$name" "$port")
    au=$(audit_view "$name")
    [ "$(wc -l <<<"$ts")" -eq 4 ] || fail "$name: testssl.sh did not judge four versions: $ts"
    if [ "$ts" != "$au" ]; then
        diff <(echo "$ts") <(echo "$au") | sed 's/^/  /' >&2
        fail "$name: the audit (>) and testssl.sh (<) disagree"
    fi
    [ "$au" = "$expected" ] || fail "$name: both tools saw $(tr '\n' ',' <<<"$au") not $(tr '\n' ',' <<<"$expected")"
    echo "ok: $name: audit and testssl.sh agree: $(tr '\n' ',' <<<"$au")"
}

compare weak-nginx 4443 3 "TLS1 offered
TLS1_1 offered
TLS1_2 offered
TLS1_3 not offered"
jq -e '.provisions[] | select(.id == "5.5-1") | .verdict == "FAIL"' "$WORK/weak-nginx/report.json" \
    >/dev/null || fail "weak-nginx: 5.5-1 is not FAIL"

# the weak server goes before keeld is audited: the port scan must see the device alone
stop_peers

# --- the reference device -----------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -subj "/CN=agreement test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    2>/dev/null
"$KEEL_BIN" provision --out "$WORK/dev" --rot file --ca-cert "$WORK/ca.pem" \
    --ca-key "$WORK/ca.key" >/dev/null 2>"$WORK/provision.log" ||
    fail "provision: $(cat "$WORK/provision.log")"
harness_keeld_owns "$WORK/dev"
start_peer keeld "$KEELD_BIN" --data "$WORK/dev" --listen 127.0.0.1 --port 4444
harness_wait_for "$WORK/keeld.log" "keeld: listening on 127.0.0.1:4444" 20 "$harness_last_pid"

# keeld, audited without a password: nothing mandatory fails, so the audit exits 0.
compare keeld 4444 0 "TLS1 not offered
TLS1_1 not offered
TLS1_2 offered
TLS1_3 offered"
jq -e '.provisions[] | select(.id == "5.5-1") | .verdict == "PASS"' "$WORK/keeld/report.json" \
    >/dev/null || fail "keeld: 5.5-1 is not PASS"
echo "PASS: audit agreement with testssl.sh"
