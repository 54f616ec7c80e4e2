#!/usr/bin/env bash
# The update and integrity test cases of keel audit (5.3-2-2, 5.3-7-2, 5.3-9-2, 5.3-10-2,
# 5.7-1-2) against the reference device: a repository kept with `keel release` (1.0.0, then
# 2.0.0) and served by nginx over HTTPS, a keeld provisioned and flashed with 1.0.0 that checks
# the repository and finds itself up to date. The repository's server then moves to a second
# address (127.0.0.2), so that the laboratory can take the device's repository address
# (127.0.0.1) with its own certificate from the repository's CA, as TS 103 701 has a lab
# impersonate the update server. The device must refuse every manipulated repository and keep
# running 1.0.0. Negative controls: the repository's server with TLS 1.0 switched on fails
# 5.3-7-2, and a firmware tree whose booted slot was changed fails 5.7-1-2.
. "$(dirname "$0")/lib.sh"
: "${KEELD_BIN:?KEELD_BIN must name keeld}"
work=$WORK # keeld_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
command -v nginx >/dev/null || fail "nginx is not installed (scripts/bootstrap)"

model=keel-lock
rport=8600
dport=8443

# --- the repository: its CA, a server certificate for nginx and one for the laboratory ----
keeld_ca "$WORK/repo-ca"
issue() { # NAME: NAME.pem / NAME.key for 127.0.0.1, issued by the repository's CA
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/$1.key" \
        -subj "/CN=127.0.0.1" 2>/dev/null |
        openssl x509 -req -CA "$WORK/repo-ca/ca.pem" -CAkey "$WORK/repo-ca/ca.key" -days 2 \
            -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') \
            -out "$WORK/$1.pem" 2>/dev/null || fail "openssl cannot issue $1's certificate"
}
issue srv
issue lab
"$KEEL_BIN" release init --repo "$WORK/repo" --keys "$WORK/keys" >/dev/null ||
    fail "keel release init"
release() { # VERSION SECURITY-VERSION: a small image published as the newest target
    printf 'keel-lock firmware %s\n' "$1" >"$WORK/$model-$1.bin"
    "$KEEL_BIN" release add --repo "$WORK/repo" --keys "$WORK/keys" \
        --file "$WORK/$model-$1.bin" --name "$model-$1.bin" --hardware-id "$model" \
        --version "$1" --security-version "$2" --fixes "fixes of $1" --risks "risks of $1" \
        --interrupts 30 >/dev/null || fail "keel release add $1"
    "$KEEL_BIN" release publish --repo "$WORK/repo" --keys "$WORK/keys" >/dev/null ||
        fail "keel release publish $1"
}

# nginx_up ADDRESS PROTOCOLS CIPHERS: the repository's server (restarted when running).
nginx_pid=""
nginx_up() {
    [ -z "$nginx_pid" ] || harness_stop "$nginx_pid" || true
    nginx_conf "    server {
        listen $1:$rport ssl;
        ssl_certificate $WORK/srv.pem;
        ssl_certificate_key $WORK/srv.key;
        ssl_protocols $2;
        ssl_ciphers $3;
        root $WORK/repo;
    }"
    harness_start "$WORK/nginx/run.log" nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
    nginx_pid=$harness_last_pid
    harness_in_ns bash -c "for i in \$(seq 100); do (exec 3<>/dev/tcp/$1/$rport) 2>/dev/null && exit 0; sleep 0.1; done; exit 1" ||
        fail "nginx does not listen on $1:$rport: $(cat "$WORK/nginx/error.log")"
}

# --- the factory and the device: 1.0.0 flashed, keeld checking the repository -------------
release 1.0.0 1
keeld_provision "$WORK/dev" "$WORK/label" --model "$model"
"$KEEL_BIN" flash --data "$WORK/dev" --repo "$WORK/repo" --target "$model-1.0.0.bin" >/dev/null ||
    fail "keel flash"
harness_keeld_owns "$WORK/dev"
strong=ECDHE+AESGCM:ECDHE+CHACHA20
nginx_up 127.0.0.1 "TLSv1.2 TLSv1.3" "$strong"
start_peer keeld "$KEELD_BIN" --data "$WORK/dev" --listen 127.0.0.1 --port "$dport" \
    --update "https://127.0.0.1:$rport" --update-ca "$WORK/repo-ca/ca.pem" --update-interval 3600
keeld_pid=$harness_last_pid
wait_port "$dport"
harness_wait_for "$WORK/keeld.log" "event=update.nothing" 30 "$keeld_pid" >/dev/null ||
    fail "keeld did not find itself up to date: $(tail -5 "$WORK/keeld.log")"
echo "ok: the flashed device runs 1.0.0 and finds nothing newer"

# 2.0.0 is published after the device's check: the laboratory's rounds offer it, manipulated.
release 2.0.0 2
nginx_up 127.0.0.2 "TLSv1.2 TLSv1.3" "$strong"

# What the laboratory is given: the IXIT with its "update" object, the firmware as flashed.
cat >"$WORK/update.json" <<JSON
{"repository": "https://127.0.0.1:$rport", "repository_ca": "repo-ca/ca.pem",
 "trust_root": "repo/1.root.json", "mirror": "repo", "lab_cert": "lab.pem",
 "lab_key": "lab.key", "repository_server": "127.0.0.2:$rport"}
JSON
"$KEELD_BIN" --describe --listen 127.0.0.1 --port "$dport" |
    jq --slurpfile u "$WORK/update.json" --slurpfile k "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.json" \
        '. + {update: $u[0], update_mechanisms: $k[0].update_mechanisms}' >"$WORK/ixit.json" ||
    fail "cannot make the IXIT"
/usr/bin/python3 - "$KEEL_SOURCE_DIR/data/schemas/ixit.schema.json" "$WORK/ixit.json" <<'PY' ||
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
PY
    fail "the IXIT does not validate against data/schemas/ixit.schema.json"
mkdir "$WORK/fw"
cp -a "$WORK/dev/update" "$WORK/dev/slot-a" "$WORK/dev/slot-b" "$WORK/dev/bootenv" "$WORK/fw/"
# The owner has set the device up (5.12-1): the audit logs in with the owner's password.
keeld_owner_password "$dport" "$(field password "$WORK/label")" "update device owner passphrase"
echo "update device owner passphrase" >"$WORK/pw"

# --- the audit: every update test case PASSes --------------------------------------------
run_audit good 3 --target "127.0.0.1:$dport" --password - --ixit "$WORK/ixit.json" \
    --firmware "$WORK/fw" <"$WORK/pw"
test_of() { # PROVISION TEST
    printf '%s | .tests[] | select(.id == "%s")' "$(provision "$1")" "$2"
}
evidence() { # NAME PROVISION TEST REGEX: an evidence line of the test matches
    jq_expect "$1" "$(test_of "$2" "$3") | .kind == \"functional\" and (.evidence | any(test(\"$4\")))"
}
# One functional test case each; 5.3-7, 5.3-9 and 5.3-10 also have their conceptual one on
# keeld's update_mechanisms (7-UpdMech), which PASSes too.
for p in 5.3-2 5.3-7 5.3-9 5.3-10 5.7-1; do
    jq_expect good "$(provision $p) | .verdict == \"PASS\" and ([.tests[] | select(.kind == \"functional\")] | length == 1)"
done
for p in 5.3-7 5.3-9 5.3-10; do
    jq_expect good "$(test_of $p $p-1) | .kind == \"conceptual\" and .verdict == \"PASS\""
done
evidence good 5.3-7 5.3-7-2 "^keel's|^the metadata verified from the trust anchor"
evidence good 5.3-7 5.3-7-2 "^signatures: DSSE envelopes; [0-9]+ root key\\\\(s\\\\), [0-9]+ of them Ed25519"
evidence good 5.3-7 5.3-7-2 "^repository server 127.0.0.2:$rport: TLS 1.0: refused"
evidence good 5.3-7 5.3-7-2 "^HTTPS to https://127.0.0.1:$rport with the repository's CA pinned: the certificate chains to it and names 127.0.0.1; timestamp.json is the mirror's"
evidence good 5.3-7 5.3-7-2 "^plain HTTP GET http://127.0.0.2:$rport/timestamp.json: HTTP 400 \\\\(not served\\\\)"
evidence good 5.3-7 5.3-7-2 "^round legacy-tls .*; the device refused the connection: PASS$"
evidence good 5.3-2 5.3-2-2 "^target $model-2.0.0.bin 2.0.0 .*: the mirror's file matches$"
for round in unsigned-metadata substituted-targets tampered-target endless-target; do
    evidence good 5.3-9 5.3-9-2 "^round $round .*; the device refused it: PASS$"
    evidence good 5.3-2 5.3-2-2 "^round $round .*: PASS$"
done
evidence good 5.3-9 5.3-9-2 "^round unsigned-metadata .*error: update metadata has no valid signature by a trusted key"
evidence good 5.3-9 5.3-9-2 "^round tampered-target .*for .*targets/$model-2.0.0.bin.*error: update bytes differ from the signed hash"
evidence good 5.3-9 5.3-9-2 "^round endless-target .*error: the repository sent more bytes than the signed length"
for round in untrusted-server legacy-tls; do
    evidence good 5.3-10 5.3-10-2 "^round $round .*: [1-9][0-9]* connection\\\\(s\\\\), 0 request\\\\(s\\\\); state refused.*; the device refused the connection: PASS$"
done
evidence good 5.3-10 5.3-10-2 "^round unsigned-metadata .*: PASS$"
evidence good 5.7-1 5.7-1-2 "^slot a holds $model-1.0.0.bin 1.0.0 as signed"
evidence good 5.7-1 5.7-1-2 "^the repository's signed targets .*: list the booted target"
evidence good 5.7-1 5.7-1-2 "^GET /api/v1/status without a session: HTTP 401, no integrity alert"
evidence good 5.7-1 5.7-1-2 "^not exercised: the device was not restarted"
# The device still runs 1.0.0 from slot a and asked for a reboot at no point.
kill -0 "$keeld_pid" || fail "keeld stopped during the audit"
grep -q "update installed" "$WORK/keeld.log" && fail "keeld installed a manipulated update"
[ "$(sed -n 's/^keel_primary=//p' "$WORK/dev/bootenv")" = a ] || fail "the boot environment changed"
# Each refusal is the device's own security event.
grep -q "event=update.refused.*no valid signature by a trusted key" "$WORK/keeld.log" ||
    fail "keeld logged no refusal of the unsigned metadata"
order=$(sed -n 's/^keel audit: \(5\.[0-9]*-[0-9]*-2\) .*/\1/p' "$WORK/good/stderr" | uniq | tr '\n' ' ')
[ "$order" = "5.4-3-2 5.6-7-2 5.6-8-2 5.6-1-2 5.5-1-2 5.5-4-2 5.6-2-2 5.2-1-2 5.3-13-2 5.7-1-2 5.4-1-2 5.3-2-2 5.9-2-2 5.11-2-2 5.1-4-2 5.11-1-2 5.1-1-2 5.1-5-2 " ] ||
    fail "good: test cases ran in the order '$order'"
echo "ok: 5.3-2, 5.3-7, 5.3-9, 5.3-10 and 5.7-1 PASS; keeld refused every manipulated repository"

# --- negative controls: TLS 1.0 on the repository's server, a changed slot ------------------
nginx_up 127.0.0.2 "TLSv1 TLSv1.1 TLSv1.2" "ALL:@SECLEVEL=0"
mkdir "$WORK/fw-changed"
cp -a "$WORK/fw/." "$WORK/fw-changed/"
printf 'X' | dd of="$WORK/fw-changed/slot-a" bs=1 seek=3 conv=notrunc status=none
run_audit bad 3 --target "127.0.0.1:$dport" --ixit "$WORK/ixit.json" --firmware "$WORK/fw-changed"
jq_expect bad "$(provision 5.3-7) | .verdict == \"FAIL\""
evidence bad 5.3-7 5.3-7-2 "^repository server 127.0.0.2:$rport: TLS 1.0: accepted"
evidence bad 5.3-7 5.3-7-2 "^the repository's server breaks 5.5-1-2's rules \\\\(FAIL\\\\)$"
jq_expect bad "$(provision 5.7-1) | .verdict == \"FAIL\""
evidence bad 5.7-1 5.7-1-2 "^slot a: the installed software differs from its signed metadata$"
evidence bad 5.7-1 5.7-1-2 "^the software does not verify, yet the device serves normally$"
# Without a password the laboratory cannot ask the device to install: undecided, and says so.
jq_expect bad "$(provision 5.3-9) | .verdict == \"INCONCLUSIVE\""
evidence bad 5.3-9 5.3-9-2 "^round tampered-target: not run: no --password"
echo "ok: TLS 1.0 on the repository's server fails 5.3-7-2; a changed slot fails 5.7-1-2"
echo "PASS: audit update (5.3-2, 5.3-7, 5.3-9, 5.3-10, 5.7-1)"
