#!/bin/bash
# keeld on a real TPM 2.0 (swtpm): a device provisioned on the TPM starts with --rot tpm2,
# unseals its store through it, logs in with the label password, and counts failures in the
# store (each write raising the TPM's NV counter); the same data on another TPM is refused.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

harness_swtpm "$work/tpm" || keeld_fail "swtpm does not start"
spec="tpm2:$harness_tcti"
keeld_provision "$work/dev" "$work/label" --rot "$spec"
pw=$(field password "$work/label")
[ "$(jq -r .rot "$work/dev/identity.json")" = tpm2 ] || keeld_fail "not a TPM device"

# The development backend cannot open a TPM device's store.
rc=0
"$KEELD_BIN" --data "$work/dev" --port 1 --rot file >"$work/refuse.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "is the file backend, but .*made with tpm2" "$work/refuse.log" ||
  keeld_fail "keeld --rot file on a TPM device: exit $rc: $(cat "$work/refuse.log")"

keeld_start "$work/dev" --rot "$spec"
grep -q '^keeld: factory state, root of trust tpm2$' "$work/keeld.run" || keeld_fail "no tpm2 line"
grep -q "development file backend" "$work/keeld.run" && keeld_fail "the file backend was used"
expect "wrong password" "$(call POST /api/v1/login -d "$(login_body "WRONG-PASSWORD")")" \
  '401 {"error":"unauthorized"}'
token=$(login "$pw")
r=$(call GET /api/v1/security -H "Authorization: Bearer $token")
expect "the security check names tpm2" \
  "$(jq -c '.checks[] | select(.id == "root_of_trust") | [.ok, .detail]' "$work/body")" \
  '[true,"tpm2: keys kept in protected hardware"]'
expect "password change on the TPM store" \
  "$(call POST /api/v1/password -H "Authorization: Bearer $token" \
     -d "$(password_body "$pw" "tpm backed passphrase")")" "204 "
keeld_stop
keeld_start "$work/dev" --rot "$spec"
token=$(login "tpm backed passphrase")
r=$(call GET /api/v1/status -H "Authorization: Bearer $token")
[[ $r =~ \"state\":\"initialised\" ]] || keeld_fail "status: $r"
# The status names the backend keeld runs on (5.4-1: what keel audit reads).
[ "$(jq -r .root_of_trust "$work/body")" = tpm2 ] || keeld_fail "status names no tpm2: $r"
keeld_stop
echo "ok: keeld runs on swtpm: store unsealed by the TPM, login, guard and password change persist"

# Another TPM (another device's chip) cannot open this device's store.
harness_swtpm "$work/tpm-other" || keeld_fail "second swtpm does not start"
rc=0
"$KEELD_BIN" --data "$work/dev" --port 1 --rot "tpm2:$harness_tcti" >"$work/other.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "keeld: refusing to start: " "$work/other.log" ||
  keeld_fail "keeld on another TPM: exit $rc: $(cat "$work/other.log")"
echo "ok: the same data on another TPM is refused: $(grep 'refusing to start' "$work/other.log")"
