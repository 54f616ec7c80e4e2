#!/bin/bash
# keel provision fails closed on its inputs: a CA key that does not match the certificate, an
# expired CA, a certificate that is no CA, an encrypted or missing key, an unreachable root
# of trust. Each is refused with a message naming the problem, and no device, no label and
# no temporary directory is left behind (5.4-1: no half-made identities).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/provision_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
make_ca "$work/ca"
make_ca "$work/other"
make_expired_ca "$work/expired"
make_ca "$work/leaf" critical,CA:FALSE digitalSignature
make_ca "$work/nosign" critical,CA:TRUE critical,digitalSignature
openssl pkey -in "$work/ca/ca.key" -aes256 -passout pass:secret -out "$work/ca/enc.key"
printf 'not a certificate\n' >"$work/garbage.pem"

# refused CERT KEY PATTERN [extra options]: exit 1, the message, nothing written.
refused() {
  local cert=$1 key=$2 pattern=$3 rc=0
  shift 3
  for count in 1 3; do
    rm -rf "$work/out"
    rc=0
    "$KEEL_BIN" provision --out "$work/out" --ca-cert "$cert" --ca-key "$key" --count "$count" \
      "$@" </dev/null >"$work/out.log" 2>"$work/err.log" || rc=$?
    [ $rc -eq 1 ] || fail "'$pattern' case (count $count) exited $rc: $(cat "$work/err.log")"
    grep -q -- "$pattern" "$work/err.log" || fail "no '$pattern' in: $(cat "$work/err.log")"
    [ ! -e "$work/out" ] || fail "'$pattern' case (count $count) wrote $(find "$work/out")"
    ! ls "$work" | grep -q '\.tmp-' || fail "'$pattern' left a temporary directory"
    [ ! -s "$work/out.log" ] || fail "'$pattern' printed a label"
  done
}

refused "$work/ca/ca.pem" "$work/other/ca.key" "does not match the certificate"
refused "$work/expired/ca.pem" "$work/expired/ca.key" "the CA certificate has expired"
refused "$work/leaf/ca.pem" "$work/leaf/ca.key" "is not a CA"
refused "$work/nosign/ca.pem" "$work/nosign/ca.key" "lacks keyCertSign"
refused "$work/ca/ca.pem" "$work/ca/enc.key" "encrypted keys are refused"
refused "$work/garbage.pem" "$work/ca/ca.key" "no PEM certificate"
refused "$work/ca/ca.pem" "$work/nonexistent.key" "--ca-key"
refused "$work/nonexistent.pem" "$work/ca/ca.key" "--ca-cert"
echo "ok: a CA key not matching, an expired CA, a non-CA, an encrypted key, garbage and" \
  "missing files are refused before anything is written"

# A failure midway (the TPM cannot be reached after the directory was begun) leaves no half
# device and says which step failed.
rc=0
"$KEEL_BIN" provision --out "$work/out" --ca-cert "$work/ca/ca.pem" --ca-key "$work/ca/ca.key" \
  --rot "tpm2:swtpm:host=127.0.0.1,port=1" --label "$work/out.txt" \
  >"$work/out.log" 2>"$work/err.log" || rc=$?
[ $rc -eq 1 ] || fail "unreachable TPM exited $rc"
grep -q "opening the root of trust" "$work/err.log" || fail "step not named: $(cat "$work/err.log")"
[ ! -e "$work/out" ] && [ ! -e "$work/out.txt" ] && [ ! -e "$work/out.png" ] ||
  fail "a failed device left files behind"
! ls "$work" | grep -q '\.tmp-' || fail "a failed device left its temporary directory"
echo "ok: a device failing midway is removed whole and the failing step named"

# A batch directory holds one batch: its manifest is never overwritten.
mkdir -m 700 "$work/batch"
echo '[]' >"$work/batch/manifest.json"
rc=0
"$KEEL_BIN" provision --out "$work/batch" --ca-cert "$work/ca/ca.pem" \
  --ca-key "$work/ca/ca.key" --count 2 >/dev/null 2>"$work/err.log" || rc=$?
[ $rc -eq 1 ] && grep -q "refusing to overwrite manifest.json" "$work/err.log" ||
  fail "a second batch into one directory: $rc $(cat "$work/err.log")"
[ "$(ls "$work/batch")" = manifest.json ] || fail "a refused batch wrote $(ls "$work/batch")"
echo "ok: a second batch into the same directory is refused"
