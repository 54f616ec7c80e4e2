#!/bin/bash
# keel provision on a TPM 2.0 (a real swtpm): the storage key sealed and the identity key made
# inside the TPM, the identity key never in a file in clear, its certificate from the CA, the
# store unsealed through the TPM; one TPM is one device (5.4-1).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/provision_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
make_ca "$work/ca"
harness_swtpm "$work/tpm" || fail "swtpm does not start"
spec="tpm2:$harness_tcti"

"$KEEL_BIN" provision --out "$work/dev" --rot "$spec" --ca-cert "$work/ca/ca.pem" \
  --ca-key "$work/ca/ca.key" --label "$work/dev.txt" >"$work/out.log" 2>"$work/err.log" ||
  fail "provision on swtpm: $(cat "$work/err.log")"
check_device "$spec" "$work/dev" "$work/dev.txt" "$work/dev.png" "$work/ca/ca.pem" keel-lock-1
[ "$(jq -r .rot "$work/dev/identity.json")" = tpm2 ] || fail "identity.json rot"
grep -q "TSS2 PRIVATE KEY" "$work/dev/rot/identity.pem" ||
  fail "the identity key is not a TPM-wrapped key"
if grep -rq "BEGIN PRIVATE KEY\|BEGIN EC PRIVATE KEY" "$work/dev/rot"; then
  fail "a private key in clear in the root of trust's state"
fi
if grep -q "development file backend" "$work/err.log"; then fail "the file backend was used"; fi
echo "ok: a device on swtpm: TPM-wrapped identity key certified by the CA, store sealed by the TPM"

# The same state on another TPM is useless: the store does not open, the key does not load.
harness_swtpm "$work/tpm2" || fail "second swtpm does not start"
other="tpm2:$harness_tcti"
if "$CHECK" store "$other" "$work/dev" "$(field password "$work/dev.txt")" >/dev/null 2>&1; then
  fail "another TPM opens the device's store"
fi
if "$CHECK" identity "$other" "$work/dev" >/dev/null 2>&1; then
  fail "another TPM signs with the device's identity key"
fi
echo "ok: another TPM can neither open the store nor use the identity key"

rc=0
"$KEEL_BIN" provision --out "$work/batch" --rot "$spec" --count 2 --ca-cert "$work/ca/ca.pem" \
  --ca-key "$work/ca/ca.key" >/dev/null 2>"$work/err.log" || rc=$?
[ $rc -eq 2 ] && grep -q "one TPM is one device" "$work/err.log" ||
  fail "--count 2 on one TPM: $rc $(cat "$work/err.log")"
[ ! -e "$work/batch" ] || fail "a refused TPM batch wrote something"
echo "ok: --count 2 on one TPM is refused"
