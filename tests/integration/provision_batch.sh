#!/bin/bash
# keel provision --count: a batch of devices, each complete and different, its labels for
# the printer and a manifest for the manufacturer that holds no secret (5.1-1, 5.1-2).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/provision_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
make_ca "$work/ca"
n=20

"$KEEL_BIN" provision --out "$work/batch" --ca-cert "$work/ca/ca.pem" \
  --ca-key "$work/ca/ca.key" --count $n --model Lock_3 >"$work/out.log" ||
  fail "batch exited $?"
grep -q "^$n devices in $work/batch" "$work/out.log" || fail "summary: $(cat "$work/out.log")"
b=$work/batch
[ "$(mode "$b")" = 700 ] || fail "batch dir mode"
[ "$(mode "$b/labels")" = 700 ] || fail "labels dir mode"
mapfile -t serials < <(find "$b" -mindepth 1 -maxdepth 1 -type d ! -name labels -printf '%f\n' | sort)
[ ${#serials[@]} -eq $n ] || fail "${#serials[@]} data directories, not $n"
[ "$(printf '%s\n' "${serials[@]}" | sort -u | wc -l)" -eq $n ] || fail "serials repeat"
[ "$(find "$b/labels" -name '*.txt' | wc -l)" -eq $n ] || fail "label count"
[ "$(find "$b/labels" -name '*.png' | wc -l)" -eq $n ] || fail "QR code count"
! ls "$b" | grep -q '\.tmp-' || fail "a temporary directory was left"

passwords=()
for s in "${serials[@]}"; do
  [[ $s =~ ^KL[0-9A-F]{12}$ ]] || fail "serial '$s'"
  [ "$(field serial "$b/labels/$s.txt")" = "$s" ] || fail "label of $s names another serial"
  check_device file "$b/$s" "$b/labels/$s.txt" "$b/labels/$s.png" "$work/ca/ca.pem" Lock_3
  passwords+=("$(field password "$b/labels/$s.txt")")
done
[ "$(printf '%s\n' "${passwords[@]}" | sort -u | wc -l)" -eq $n ] || fail "passwords repeat"
echo "ok: $n complete devices, $n distinct serials and passwords, labels and QR codes"

m=$b/manifest.json
jq -e --argjson n $n 'length == $n and
  all(.[]; (keys == ["created", "https_cert_sha256", "identity_cert_sha256", "model", "serial"])
           and .model == "Lock_3" and (.identity_cert_sha256 | test("^[0-9a-f]{64}$"))
           and (.https_cert_sha256 | test("^[0-9a-f]{64}$")))' "$m" >/dev/null ||
  fail "manifest shape: $(head -c 600 "$m")"
[ "$(jq -r '.[].serial' "$m" | sort)" = "$(printf '%s\n' "${serials[@]}")" ] ||
  fail "manifest serials differ from the data directories"
for s in "${serials[@]}"; do
  jq -e --arg s "$s" --arg i "$(sha256_der "$b/$s/identity-cert.pem")" \
    --arg h "$(sha256_der "$b/$s/device-cert.pem")" \
    'any(.[]; .serial == $s and .identity_cert_sha256 == $i and .https_cert_sha256 == $h)' \
    "$m" >/dev/null || fail "manifest entry of $s"
done
for pw in "${passwords[@]}"; do
  if grep -qiF -- "$pw" "$m" || grep -qiF -- "${pw//-/}" "$m"; then
    fail "a password in the manifest"
  fi
done
if grep -qiE 'argon2|password|hash"' "$m"; then fail "a password or hash field in the manifest"; fi
echo "ok: the manifest lists the $n devices and their certificate digests, no password, no hash"

rc=0
"$KEEL_BIN" provision --out "$work/tpmbatch" --ca-cert "$work/ca/ca.pem" \
  --ca-key "$work/ca/ca.key" --count 2 --rot "tpm2:swtpm:host=127.0.0.1,port=2321" \
  >/dev/null 2>"$work/err.log" || rc=$?
[ $rc -eq 2 ] && grep -q "one TPM is one device" "$work/err.log" ||
  fail "--count 2 with tpm2: $rc $(cat "$work/err.log")"
[ ! -e "$work/tpmbatch" ] || fail "a refused tpm2 batch wrote something"
echo "ok: a batch on one TPM is refused"
