#!/bin/bash
# keel provision, one device on the development root of trust: the identity certified by the
# manufacturer CA, the label password only as a hash in the secure store, the label and its
# QR code, every device different, an identity never overwritten, bad names and bad command
# lines refused (5.1-1, 5.1-2, 5.4-1).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/provision_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
make_ca "$work/ca"
ca=(--ca-cert "$work/ca/ca.pem" --ca-key "$work/ca/ca.key")

"$KEEL_BIN" provision --out "$work/d1" "${ca[@]}" --label "$work/d1.txt" >"$work/d1.out" ||
  fail "provision exited $?"
[ ! -s "$work/d1.out" ] || fail "with --label the label must not also go to stdout"
[ -s "$work/d1.png" ] || fail "no QR code beside the label"
check_device file "$work/d1" "$work/d1.txt" "$work/d1.png" "$work/ca/ca.pem" keel-lock-1
serial=$(field serial "$work/d1.txt")
[[ $serial =~ ^KL[0-9A-F]{12}$ ]] || fail "default serial '$serial'"
openssl x509 -in "$work/d1/device-cert.pem" -noout -subject | grep -q "CN = $serial" ||
  fail "HTTPS certificate CN"
openssl x509 -in "$work/d1/device-cert.pem" -noout -ext subjectAltName |
  grep -q "DNS:${serial,,}.local, IP Address:127.0.0.1" || fail "HTTPS certificate SAN"
ls "$work" | grep -q '\.tmp-' && fail "a temporary directory was left beside the device"
echo "ok: identity certified by the CA and held by the root of trust, hash in the store," \
  "password in no file, label and QR code, modes 0700/0600"

# The label on stdout (no --label): the same fields; two devices share nothing.
"$KEEL_BIN" provision --out "$work/d2" "${ca[@]}" >"$work/d2.label"
pw2=$(field password "$work/d2.label")
[ -n "$pw2" ] && [ "$pw2" != "$(field password "$work/d1.txt")" ] || fail "two devices, same password"
[ "$(field serial "$work/d2.label")" != "$serial" ] || fail "two devices, same serial"
"$CHECK" store file "$work/d2" "$pw2" >/dev/null || fail "store of d2"
for f in device-key.pem rot/identity.pem rot/storage.key identity-cert.pem; do
  cmp -s "$work/d1/$f" "$work/d2/$f" && fail "two devices, same $f"
done
if "$CHECK" store file "$work/d2" "$(field password "$work/d1.txt")" >/dev/null 2>&1; then
  fail "d1's password opens d2"
fi
echo "ok: label on stdout; two provisions differ in password, serial, keys and certificates"

# An identity is never overwritten.
before=$(find "$work/d1" -type f -exec sha256sum {} + | sort | sha256sum)
rc=0
"$KEEL_BIN" provision --out "$work/d1" "${ca[@]}" >"$work/again.out" 2>"$work/again.err" || rc=$?
[ $rc -eq 1 ] || fail "provisioning over an identity exited $rc"
grep -q "refusing to overwrite" "$work/again.err" || fail "no clear refusal: $(cat "$work/again.err")"
[ ! -s "$work/again.out" ] || fail "a refused provision printed a label"
[ "$(find "$work/d1" -type f -exec sha256sum {} + | sort | sha256sum)" = "$before" ] ||
  fail "the identity changed"
echo "ok: provisioning twice into one directory is refused and changes nothing"

# Names are used and validated; an empty existing directory is replaced by a 0700 one.
"$KEEL_BIN" provision --out "$work/d3" "${ca[@]}" --serial KL-TEST-0001 --model Lock_2.1 \
  --label "$work/d3.label" >/dev/null
check_device file "$work/d3" "$work/d3.label" "$work/d3.label.png" "$work/ca/ca.pem" Lock_2.1
mkdir -m 755 "$work/d4"
"$KEEL_BIN" provision --out "$work/d4" "${ca[@]}" >/dev/null
[ "$(mode "$work/d4")" = 700 ] || fail "existing empty dir not replaced by a 0700 one"
for bad in "--serial kl0001" "--serial KL/../x" "--serial AB" "--model -x" "--model a%20b" \
           "--serial ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456" "--bogus" "--count 0" "--count 100001" \
           "--count 2x" "--count 2 --serial KL-TEST-0002" "--count 2 --label $work/x.txt" \
           "--rot nonsense:x --count 2 --rot tpm2:swtpm:port=1"; do
  rc=0
  # shellcheck disable=SC2086
  "$KEEL_BIN" provision --out "$work/bad" "${ca[@]}" $bad >/dev/null 2>&1 || rc=$?
  [ $rc -eq 2 ] || fail "'$bad' exited $rc, not 2"
  [ ! -e "$work/bad" ] || fail "'$bad' created the directory"
done
rc=0; "$KEEL_BIN" provision >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "missing --out exited $rc"
rc=0; "$KEEL_BIN" provision --out "$work/bad" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "missing --ca-cert/--ca-key exited $rc"
[ ! -e "$work/bad" ] || fail "a refused command line created the directory"
echo "ok: serial, model and count validated, bad command lines refused with status 2"
