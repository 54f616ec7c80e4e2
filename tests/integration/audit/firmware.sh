#!/usr/bin/env bash
# 5.4-3-2 white-box: a firmware tree with a PEM key, a DER key inside a binary and a
# default password in a configuration fails, each finding named by file and offset and no
# secret shown; a clean tree passes; a symbolic link out of the tree is not followed; a
# file too large to scan makes the test inconclusive.
. "$(dirname "$0")/lib.sh"

unique="$(openssl rand -hex 16)"
weak_device 8443 dev --accept "$unique" --guard

fw=$WORK/fw
mkdir -p "$fw/etc/ssl" "$fw/usr/bin" "$fw/etc/init.d"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$fw/etc/ssl/server.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER -out "$WORK/ec.der" 2>/dev/null
{ head -c 1000 /dev/urandom; cat "$WORK/ec.der"; head -c 1000 /dev/urandom; } >"$fw/usr/bin/daemon"
printf 'user=admin\npassword=xc3511\n' >"$fw/etc/app.conf"
printf '#!/bin/sh\nexec daemon --port=8080\n' >"$fw/etc/init.d/daemon"
ln -s /etc/ssl "$fw/etc/host-ssl"

run_audit flawed 3 --target 127.0.0.1:8443 --firmware "$fw"
jq_expect flawed "$(provision 5.4-3) | .verdict == \"FAIL\""
jq_expect flawed "$(provision 5.4-3) | .tests[0].id == \"5.4-3-2\""
jq_expect flawed "$(provision 5.4-3) | .tests[0].evidence | any(test(\"^etc/ssl/server.key: offset 0: PEM block 'PRIVATE KEY' \\\\(SHA-256 [0-9a-f]{16}\\\\)\$\"))"
jq_expect flawed "$(provision 5.4-3) | .tests[0].evidence | any(test(\"^usr/bin/daemon: offset 1000: DER id-ecPublicKey private key \\\\(SHA-256 [0-9a-f]{16}\\\\)\$\"))"
jq_expect flawed "$(provision 5.4-3) | .tests[0].evidence | any(. == \"etc/app.conf: offset 20: default password 'xc3511' (after '=')\")"
jq_expect flawed "$(provision 5.4-3) | .tests[0].evidence | any(test(\"^4 files \\\\([0-9]+ bytes\\\\) scanned: 1 PEM private keys, 1 DER private keys, 2 default passwords \"))"
jq_expect flawed "$(provision 5.4-3) | .tests[0].evidence | any(startswith(\"not scanned: 1 symbolic links\"))"
# "admin" after user= is a finding too (a default account's password is often its name).
jq_expect flawed "$(provision 5.4-3) | .tests[0].evidence | any(. == \"etc/app.conf: offset 5: default password 'admin' (after '=')\")"
sed -n 2p "$fw/etc/ssl/server.key" | cut -c1-32 >"$WORK/keyline"
! grep -qFf "$WORK/keyline" "$WORK/flawed/report.json" || fail "key material in the report"

# The same tree without the flaws passes.
rm "$fw/etc/ssl/server.key" "$fw/etc/app.conf"
head -c 3000 /dev/urandom >"$fw/usr/bin/daemon"
run_audit clean 0 --target 127.0.0.1:8443 --firmware "$fw"
jq_expect clean "$(provision 5.4-3) | .verdict == \"PASS\""

# A file larger than the scanner reads (64 MiB): not scanned, so not a PASS.
truncate -s 65M "$fw/usr/bin/huge"
run_audit large 0 --target 127.0.0.1:8443 --firmware "$fw"
jq_expect large "$(provision 5.4-3) | .verdict == \"INCONCLUSIVE\""
jq_expect large "$(provision 5.4-3) | .tests[0].evidence | any(contains(\"1 files over 64 MiB\"))"
echo "PASS: audit firmware (5.4-3)"
