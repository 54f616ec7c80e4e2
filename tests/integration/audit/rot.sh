#!/usr/bin/env bash
# 5.4-1-2 against real keeld devices: one on the development file root of trust (its keys in
# files: FAIL, exit 3) and one on a TPM 2.0 (swtpm: PASS). Each device is set up first (its
# owner's password: keeld serves its status only then, 5.12-1); the test logs in with that
# password, reads the authenticated status, and logs out.
. "$(dirname "$0")/lib.sh"
: "${KEELD_BIN:?KEELD_BIN must name keeld}"
work=$WORK # keeld_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"

# keeld DIR PORT LOGNAME [keeld options]: keeld on DIR inside the namespace.
keeld() {
    local dir="$1" port="$2" log="$3"
    shift 3
    harness_keeld_owns "$dir"
    start_peer "$log" "$KEELD_BIN" --data "$dir" --listen 127.0.0.1 --port "$port" "$@"
    wait_port "$port"
}

# rot_evidence NAME TEXT: 5.4-1-2 of report NAME has the evidence line TEXT.
rot_evidence() {
    jq_expect "$1" "$(provision 5.4-1) | .tests[] | select(.id == \"5.4-1-2\")
                     | .kind == \"functional\" and (.evidence | any(. == \"$2\"))"
}

# The development device: keys in 0600 files of its data directory.
keeld_provision "$WORK/filedev" "$WORK/file-label.txt"
keeld "$WORK/filedev" 8443 keeld-file
keeld_owner_password 8443 "$(field password "$WORK/file-label.txt")" "file device owner passphrase"
echo "file device owner passphrase" >"$WORK/file-pw"
run_audit file 3 --target 127.0.0.1:8443 --password - <"$WORK/file-pw"
jq_expect file "$(provision 5.4-1) | .verdict == \"FAIL\""
rot_evidence file "the device keeps its keys in files (development root of trust): 5.4-1 needs them in protected storage"
rot_evidence file "logged out (HTTP 204)"
jq_expect file "$(provision 5.4-1) | .tests[0].evidence[0] == \"POST https://127.0.0.1:8443/api/v1/login with the given password, then GET https://127.0.0.1:8443/api/v1/status\""
# It is the only failure: the rest of keeld holds.
jq_expect file "[.provisions[] | select(.verdict == \"FAIL\") | .id] == [\"5.4-1\"]"
jq_expect file "$(provision 5.1-4) | .verdict == \"PASS\""
grep -q "^result: 1 mandatory provision(s) FAIL$" "$WORK/file/stdout" || fail "file: no result line"
# It runs before 5.1-4-2, which replaces the password it logs in with.
order=$(sed -n 's/^keel audit: \(5\.[0-9]-[0-9]-2\) .*/\1/p' "$WORK/file/stderr" | tr '\n' ' ')
[ "$order" = "5.6-1-2 5.5-1-2 5.5-4-2 5.6-2-2 5.4-1-2 5.1-4-2 5.1-4-2 5.1-1-2 5.1-5-2 " ] ||
    fail "file: test cases ran in the order '$order'"
grep -qx "keel audit: 5.4-1-2 asking the device for its root of trust" "$WORK/file/stderr" ||
    fail "file: no progress line for 5.4-1-2"
stop_peers # one device at a time: the port scan (5.6-1) would see the other

# A second development device (its guard knows nothing of the runs above). A wrong
# password: nothing is read, nothing is judged. Then a status route elsewhere: named with
# --status-path; a wrong one leaves the test undecided.
keeld_provision "$WORK/filedev2" "$WORK/file2-label.txt"
keeld "$WORK/filedev2" 8445 keeld-file2
keeld_owner_password 8445 "$(field password "$WORK/file2-label.txt")" "second device owner passphrase"
# (--only: these runs judge 5.4-1 alone; the first run above covers the whole order)
run_audit file-wrong 0 --target 127.0.0.1:8445 --password NOT-THE-PASSWORD --only 5.4-1
jq_expect file-wrong "$(provision 5.4-1) | .verdict == \"INCONCLUSIVE\""
rot_evidence file-wrong "the given password was not accepted (HTTP 401)"
echo "second device owner passphrase" >"$WORK/file2-pw"
run_audit file-path 0 --target 127.0.0.1:8445 --password - --status-path /api/v2/status --only 5.4-1 \
    <"$WORK/file2-pw"
jq_expect file-path "$(provision 5.4-1) | .verdict == \"INCONCLUSIVE\""
rot_evidence file-path "no status route (HTTP 404); name it with --status-path"
rot_evidence file-path "logged out (HTTP 204)"
stop_peers

# The same device made on a TPM 2.0 (swtpm, reached over a UNIX socket: no port to scan).
harness_swtpm "$WORK/tpm" || fail "swtpm does not start"
keeld_provision "$WORK/tpmdev" "$WORK/tpm-label.txt" --rot "tpm2:$harness_tcti"
keeld "$WORK/tpmdev" 8444 keeld-tpm --rot "tpm2:$harness_tcti"
keeld_owner_password 8444 "$(field password "$WORK/tpm-label.txt")" "tpm device owner passphrase"
echo "tpm device owner passphrase" >"$WORK/tpm-pw"
run_audit tpm 0 --target 127.0.0.1:8444 --password - --only 5.4-1,5.1-4 <"$WORK/tpm-pw"
jq_expect tpm "$(provision 5.4-1) | .verdict == \"PASS\""
rot_evidence tpm "the device reports a TPM 2.0 root of trust (self-reported through its authenticated status)"
rot_evidence tpm "logged out (HTTP 204)"
jq_expect tpm "$(provision 5.1-4) | .verdict == \"PASS\""

echo "PASS: audit 5.4-1 (file root of trust FAIL, TPM 2.0 PASS)"
