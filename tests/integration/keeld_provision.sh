#!/bin/bash
# keel provision: a private directory, the password only as a hash, every device different,
# an existing identity never overwritten, bad names refused (5.1-1, 5.1-2, 5.4-1).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

fail() { echo "FAIL: $*"; exit 1; }
mode() { stat -c %a "$1"; }
field() { sed -n "s/^$1: *//p" "$2"; }

"$KEEL_BIN" provision --out "$work/d1" --label "$work/d1.label" >"$work/d1.out" ||
  fail "provision exited $?"
[ ! -s "$work/d1.out" ] || fail "with --label the label must not also go to stdout"
[ "$(mode "$work/d1")" = 700 ] || fail "data dir mode $(mode "$work/d1")"
[ "$(mode "$work/d1/identity.json")" = 600 ] || fail "identity.json mode"
[ "$(mode "$work/d1/device-key.pem")" = 600 ] || fail "device-key.pem mode"
[ "$(mode "$work/d1.label")" = 600 ] || fail "label file mode"
[ -s "$work/d1/device-cert.pem" ] || fail "no certificate"
echo "ok: modes 0700 dir, 0600 identity, key and label"

pw=$(field password "$work/d1.label")
serial=$(field serial "$work/d1.label")
[[ $pw =~ ^[2-9ACDEFGHJKMNPQRTUVWXY]{4}(-[2-9ACDEFGHJKMNPQRTUVWXY]{4}){4}$ ]] ||
  fail "label password '$pw' is not five groups of four from the alphabet"
[[ $serial =~ ^KL[0-9A-F]{12}$ ]] || fail "default serial '$serial'"
# The password, with or without its dashes, is in no file of the device directory.
for p in "$pw" "${pw//-/}"; do
  if grep -rqF -- "$p" "$work/d1"; then fail "label password found in the data dir"; fi
done
jq -e --arg s "$serial" '.serial == $s and .model == "keel-lock-1" and .format == 1
      and (.password_hash | startswith("$argon2id$v=19$m=19456,t=2,p=1$"))
      and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
      and (keys | length) == 5' "$work/d1/identity.json" >/dev/null ||
  fail "identity.json content"
# The fingerprint on the label is that of the certificate written.
fp=$(openssl x509 -in "$work/d1/device-cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
[ "$(field "certificate SHA-256" "$work/d1.label")" = "$fp" ] || fail "label fingerprint"
openssl x509 -in "$work/d1/device-cert.pem" -noout -subject | grep -q "CN = $serial" ||
  fail "certificate CN"
openssl x509 -in "$work/d1/device-cert.pem" -noout -ext subjectAltName |
  grep -q "DNS:${serial,,}.local, IP Address:127.0.0.1" || fail "certificate SAN"
echo "ok: password absent from the data dir, identity.json and certificate as documented"

# Two devices share nothing.
"$KEEL_BIN" provision --out "$work/d2" >"$work/d2.label"
[ "$(field password "$work/d2.label")" != "$pw" ] || fail "two devices, same password"
[ "$(field serial "$work/d2.label")" != "$serial" ] || fail "two devices, same serial"
cmp -s "$work/d1/device-key.pem" "$work/d2/device-key.pem" && fail "two devices, same key"
[ "$(jq -r .password_hash "$work/d1/identity.json")" != \
  "$(jq -r .password_hash "$work/d2/identity.json")" ] || fail "same hash"
echo "ok: two provisions differ in password, serial, key and hash"

# An identity is never overwritten.
before=$(sha256sum "$work/d1"/* | sha256sum)
rc=0
"$KEEL_BIN" provision --out "$work/d1" >"$work/again.out" 2>"$work/again.err" || rc=$?
[ $rc -eq 1 ] || fail "provisioning over an identity exited $rc"
grep -q "refusing to overwrite" "$work/again.err" || fail "no clear refusal: $(cat "$work/again.err")"
[ ! -s "$work/again.out" ] || fail "a refused provision printed a label"
[ "$(sha256sum "$work/d1"/* | sha256sum)" = "$before" ] || fail "the identity changed"
echo "ok: provisioning twice into one directory is refused and changes nothing"

# Names are validated; an empty existing directory is accepted and tightened.
"$KEEL_BIN" provision --out "$work/d3" --serial KL-TEST-0001 --model Lock_2.1 >/dev/null
jq -e '.serial == "KL-TEST-0001" and .model == "Lock_2.1"' "$work/d3/identity.json" >/dev/null ||
  fail "--serial/--model not used"
mkdir -m 755 "$work/d4"
"$KEEL_BIN" provision --out "$work/d4" >/dev/null
[ "$(mode "$work/d4")" = 700 ] || fail "existing dir not tightened to 0700"
for bad in "--serial kl0001" "--serial KL/../x" "--serial AB" "--model -x" "--model a%20b" \
           "--serial ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456" "--bogus"; do
  rc=0
  # shellcheck disable=SC2086
  "$KEEL_BIN" provision --out "$work/bad" $bad >/dev/null 2>&1 || rc=$?
  [ $rc -eq 2 ] || fail "'$bad' exited $rc, not 2"
  [ ! -e "$work/bad" ] || fail "'$bad' created the directory"
done
rc=0; "$KEEL_BIN" provision >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "missing --out exited $rc"
echo "ok: serial and model validated, bad command lines refused with status 2"
