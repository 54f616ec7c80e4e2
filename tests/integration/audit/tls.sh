#!/usr/bin/env bash
# 5.5-1-2 against real OpenSSL servers: a weak one that still speaks TLS 1.0 and 1.1 fails
# (exit 3: a mandatory provision fails), a strict one (TLS 1.2 minimum) passes.
. "$(dirname "$0")/lib.sh"

tls_server 4433 weak -min_protocol TLSv1 -max_protocol TLSv1.2 -cipher 'ALL:@SECLEVEL=0'
run_audit weak 3 --target 127.0.0.1:4433
jq_expect weak "$(provision 5.5-1) | .verdict == \"FAIL\" and .mandatory"
jq_expect weak "$(provision 5.5-1) | .tests[0].id == \"5.5-1-2\" and .tests[0].kind == \"functional\""
jq_expect weak "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.0: accepted (cipher \"))"
jq_expect weak "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.1: accepted\"))"
jq_expect weak "$(provision 5.6-1) | .verdict == \"PASS\""
jq_expect weak '.target == "127.0.0.1:4433" and .version == "3.1.3"'
grep -q '5.5-1-2 *functional FAIL' "$WORK/weak/stdout" || fail "weak: no 5.5-1-2 line"
grep -q '^M .*FAIL [1-9]' "$WORK/weak/stdout" || fail "weak: no mandatory totals line"

stop_peers

# Strict: TLS 1.2 minimum, forward-secret AEAD suites only (ECDHE with GCM or ChaCha20).
tls_server 4434 strict -min_protocol TLSv1.2 -cipher 'ECDHE+AESGCM:ECDHE+CHACHA20'
# 5.1-1 cannot be judged against a bare TLS server (INCONCLUSIVE), so nothing fails: exit 0.
run_audit strict 0 --target 127.0.0.1:4434 --version 2.1.1
jq_expect strict "$(provision 5.5-1) | .verdict == \"PASS\""
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.0: refused\"))"
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(test(\"^TLS 1.[23]: accepted\"))"
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 without forward secrecy: refused\"))"
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 CBC only: refused\"))"
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 weak suites: refused\"))"
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"certificate: subject /CN=localhost, RSA key 2048 bits, self-signed\"))"
# Reached by address with a self-signed certificate: the name is evidence, not a failure.
jq_expect strict "$(provision 5.5-1) | .tests[0].evidence | any(. == \"certificate name: does not match 127.0.0.1\")"
jq_expect strict "$(provision 5.1-1) | .verdict == \"INCONCLUSIVE\""
jq_expect strict '.version == "2.1.1" and (.provisions | length) == 68'
jq_expect strict '[.provisions[] | select(.tests == [])] | all(.verdict == "NOT TESTED")'

# The same device by its IPv6 loopback address (s_server listens on both families).
if in_ns bash -c "exec 3<>/dev/tcp/::1/4434" 2>/dev/null; then
    run_audit strict-v6 0 --target '[::1]:4434'
    jq_expect strict-v6 '.target == "[::1]:4434"'
    jq_expect strict-v6 "$(provision 5.5-1) | .verdict == \"PASS\""
    jq_expect strict-v6 "$(provision 5.6-1) | .verdict == \"PASS\""
else
    fail "s_server does not listen on [::1]:4434"
fi

# --format json writes only the JSON report, into a directory keel audit makes.
in_ns "$KEEL_BIN" audit --target 127.0.0.1:4434 --format json --out "$WORK/only-json" \
    >/dev/null 2>&1 || fail "--format json run failed"
[ -s "$WORK/only-json/report.json" ] && [ ! -e "$WORK/only-json/report.html" ] ||
    fail "--format json must write report.json alone"
stop_peers

# TLS 1.2 only, and only suites of one weak class each: every one FAILs and is named.
tls_server 4435 cbc -min_protocol TLSv1.2 -no_tls1_3 -cipher 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA'
run_audit cbc 3 --target 127.0.0.1:4435
jq_expect cbc "$(provision 5.5-1) | .verdict == \"FAIL\""
jq_expect cbc "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 CBC only: accepted (cipher ECDHE-RSA-\"))"
jq_expect cbc "$(provision 5.5-1) | .tests[0].evidence | any(. == \"TLS 1.2 suites without authenticated encryption (CBC) are accepted\")"
jq_expect cbc "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 without forward secrecy: refused\"))"
stop_peers
tls_server 4436 krsa -min_protocol TLSv1.2 -no_tls1_3 -cipher 'AES128-GCM-SHA256:AES256-GCM-SHA384'
run_audit krsa 3 --target 127.0.0.1:4436
jq_expect krsa "$(provision 5.5-1) | .verdict == \"FAIL\""
jq_expect krsa "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 without forward secrecy: accepted (cipher AES\"))"
jq_expect krsa "$(provision 5.5-1) | .tests[0].evidence | any(. == \"TLS 1.2 suites without forward secrecy (static RSA key exchange) are accepted\")"
jq_expect krsa "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.2 CBC only: refused\"))"
stop_peers

# A 1024-bit RSA key: FAIL, even with nothing else wrong (expiry is covered by the unit
# tests: this OpenSSL cannot backdate a certificate).
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$WORK/small-key.pem" \
    -out "$WORK/small-cert.pem" -subj /CN=small -days 1 2>/dev/null
start_peer small openssl s_server -accept 4437 -cert "$WORK/small-cert.pem" \
    -key "$WORK/small-key.pem" -quiet -min_protocol TLSv1.2 \
    -cipher 'ECDHE+AESGCM:@SECLEVEL=0'
wait_port 4437
run_audit small 3 --target 127.0.0.1:4437
jq_expect small "$(provision 5.5-1) | .verdict == \"FAIL\""
jq_expect small "$(provision 5.5-1) | .tests[0].evidence | any(. == \"the certificate's RSA key has 1024 bits, fewer than 2048\")"
echo "PASS: audit TLS"
