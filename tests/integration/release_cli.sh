#!/bin/bash
# keel release, the release team's tool (5.3-2, 5.3-7, 5.3-10, 5.3-11, 5.3-12): a repository
# made, an image staged and published, checked by status as a device would check it; a
# tampered image and a tampered signature found and named; the root key and the timestamp
# key rotated, each new root signed by the old and the new root keys (checked with openssl,
# independently of keel), and a root signed by the new key alone refused; keys reached
# through OpenSSL store URIs (a file: URI, and a key held by a software TPM through the tpm2
# provider); expiries judged; and every bad input refused with its exit status and a
# message that names it, leaving the repository as it was.
set -euo pipefail
: "${KEEL_SOURCE_DIR:?}" "${KEEL_BIN:?}"
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
for tool in jq openssl swtpm tpm2_createprimary; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/bootstrap)"; exit 1; }
done

harness_tempdir
work=$harness_dir
repo=$work/repo
keys=$work/keys
out=$work/out

fail() { echo "FAIL: $*"; exit 1; }

# expect STATUS PATTERN ARGS...: keel release ARGS exits STATUS and its output (stdout and
# stderr) matches the extended regular expression PATTERN.
expect() {
  local want=$1 pattern=$2 rc=0
  shift 2
  "$KEEL_BIN" release "$@" >"$out" 2>&1 || rc=$?
  [ "$rc" -eq "$want" ] || fail "keel release $* exited $rc, not $want: $(cat "$out")"
  grep -qE -- "$pattern" "$out" || fail "keel release $*: no '$pattern' in: $(cat "$out")"
}
consistent() { expect 0 '^consistent$' status --repo "$repo"; }

# The key id of a key: the SHA-256 of its DER SubjectPublicKeyInfo.
key_id() { openssl pkey "$@" -pubout -outform DER | sha256sum | cut -d' ' -f1; }
payload() { jq -r .payload "$repo/$1" | base64 -d; }
served() { (cd "$repo" && find . -path ./.keel-release -prune -o -type f -print | sort | xargs sha256sum); }

# ---- init ----
expect 0 'made the repository' init --repo "$repo" --keys "$keys"
[ "$(stat -c %a "$keys")" = 700 ] || fail "the key directory is not 0700"
for role in root targets snapshot timestamp; do
  f=$keys/$role-1.pem
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
  head -n 1 "$f" | grep -qx -- '-----BEGIN PRIVATE KEY-----' || fail "$f is not PKCS#8 PEM"
  [ "$(openssl pkey -in "$f" -noout -text | head -n 1 | cut -d' ' -f1)" = ED25519 ] ||
    fail "$f is not an Ed25519 key"
done
for f in 1.root.json root.json targets.json snapshot.json timestamp.json; do
  [ -f "$repo/$f" ] || fail "init wrote no $f"
done
cmp -s "$repo/root.json" "$repo/1.root.json" || fail "root.json differs from 1.root.json"
! find "$repo" -name '*.pem' | grep -q . || fail "a key inside the served directory"
[ "$(payload root.json | jq -r '.roles.timestamp.keyids[0]')" = "$(key_id -in "$keys/timestamp-1.pem")" ] ||
  fail "root v1 does not list timestamp-1.pem's key"
consistent
echo "ok: init makes root v1, empty targets, snapshot and timestamp, and one Ed25519 key per role"

# ---- add: staged, not served; publish ----
head -c 200000 /dev/urandom >"$work/img1"
before=$(served)
expect 0 'staged targets v2' add --repo "$repo" --keys "$keys" --file "$work/img1" \
  --name app-1.2.0.img --hardware-id keel-lock-1 --version 1.2.0 --security-version 3 \
  --fixes "Fixes the pairing flaw (CVE-2024-0001)" --risks "Replayed unlock commands" \
  --interrupts 90
[ "$(served | grep -v ' ./targets/')" = "$(echo "$before" | grep -v ' ./targets/')" ] ||
  fail "add changed the served metadata before publish"
expect 0 'staged: targets v2 \(1 targets\), not served' status --repo "$repo"
expect 0 'published: root v1, targets v2 \(1 targets\), snapshot v2, timestamp v2' \
  publish --repo "$repo" --keys "$keys"
cmp -s "$work/img1" "$repo/targets/app-1.2.0.img" || fail "the served image differs from IMAGE"
[ ! -e "$repo/.keel-release/targets.json" ] || fail "publish left the staged targets"
"$KEEL_BIN" release status --repo "$repo" --json >"$work/status.json" || fail "status --json"
jq -e '.consistent and .roles.targets.version == 2 and .roles.snapshot.version == 2 and
       .roles.timestamp.version == 2 and .staged == null and (.targets | length) == 1 and
       (.targets[0] | .name == "app-1.2.0.img" and .hardware_id == "keel-lock-1" and
        .version == "1.2.0" and .security_version == 3 and .length == 200000 and
        .fixes == "Fixes the pairing flaw (CVE-2024-0001)" and
        .risks_mitigated == "Replayed unlock commands" and .interrupts_function and
        .interruption_seconds == 90 and .file == "ok")' "$work/status.json" >/dev/null ||
  fail "status --json: $(cat "$work/status.json")"
# Independently of keel: each role names the next one's exact bytes.
[ "$(payload snapshot.json | jq -r '.meta["targets.json"].hashes.sha256')" = \
  "$(sha256sum <"$repo/targets.json" | cut -d' ' -f1)" ] || fail "snapshot does not name targets.json"
[ "$(payload timestamp.json | jq -r '.meta["snapshot.json"].hashes.sha256')" = \
  "$(sha256sum <"$repo/snapshot.json" | cut -d' ' -f1)" ] || fail "timestamp does not name snapshot.json"
[ "$(payload targets.json | jq -r '.targets["app-1.2.0.img"].hashes.sha256')" = \
  "$(sha256sum <"$work/img1" | cut -d' ' -f1)" ] || fail "targets does not carry the image's hash"
echo "ok: add stages without touching what is served; publish serves targets, snapshot, timestamp"

# ---- tampering, found and named ----
printf '\x55' | dd of="$repo/targets/app-1.2.0.img" bs=1 seek=1000 conv=notrunc status=none
cmp -s "$work/img1" "$repo/targets/app-1.2.0.img" && printf '\xaa' |
  dd of="$repo/targets/app-1.2.0.img" bs=1 seek=1000 conv=notrunc status=none
expect 3 'problem: targets/app-1.2.0.img: its SHA-256 differs from targets.json' status --repo "$repo"
expect 3 '"file":[[:space:]]*"differs"' status --repo "$repo" --json
head -c 1000 "$work/img1" >"$repo/targets/app-1.2.0.img"
expect 3 'targets/app-1.2.0.img: its length differs' status --repo "$repo"
rm "$repo/targets/app-1.2.0.img"
expect 3 'targets/app-1.2.0.img \(in targets.json\): .*cannot open' status --repo "$repo"
cp "$work/img1" "$repo/targets/app-1.2.0.img"
consistent
cp "$repo/targets.json" "$work/targets.good"
jq -c '.signatures[0].sig |= (if startswith("A") then "B" else "A" end) + .[1:]' \
  "$work/targets.good" >"$repo/targets.json"
expect 3 'problem: targets.json: not signed by the threshold \(1\) of root v1.s targets keys' \
  status --repo "$repo"
before=$(served)
expect 1 'targets.json: not signed' publish --repo "$repo" --keys "$keys"
[ "$(served)" = "$before" ] || fail "publish signed on top of a tampered targets.json"
cp "$work/targets.good" "$repo/targets.json"
consistent
echo "ok: a changed image byte, a short or missing image and a bad signature are named (exit 3)"

# ---- refusals: the command line, the keys, the repository ----
base_args=(--repo "$repo" --keys "$keys" --file "$work/img1" --hardware-id keel-lock-1
           --version 1.5.0 --security-version 3 --fixes fixed --risks none)
add_args=("${base_args[@]}" --no-interruption)
before=$(served)
expect 2 "--name '../evil'" add "${add_args[@]}" --name ../evil
expect 2 "--name '.hidden'" add "${add_args[@]}" --name .hidden
expect 2 "--name 'a b'" add "${add_args[@]}" --name 'a b'
expect 2 "--name" add "${add_args[@]}" --name "$(printf 'n%.0s' {1..128})"
expect 2 "--hardware-id 'keel lock'" add "${add_args[@]}" --name x --hardware-id 'keel lock'
expect 2 "--version '1.2.3.4.5'" add "${add_args[@]}" --name x --version 1.2.3.4.5
expect 2 "--version '1.x'" add "${add_args[@]}" --name x --version 1.x
expect 2 "--security-version '1001'" add "${add_args[@]}" --name x --security-version 1001
expect 2 "--security-version '-1'" add "${add_args[@]}" --name x --security-version -1
expect 2 "--fixes: 1 to 1023 bytes" add "${add_args[@]}" --name x --fixes $'two\nlines'
expect 2 "--fixes: 1 to 1023 bytes" add "${add_args[@]}" --name x --fixes "$(printf 'f%.0s' {1..1024})"
expect 2 "--risks: 1 to 1023 bytes" add "${add_args[@]}" --name x --risks $'bad \xff utf-8'
expect 2 "--interrupts SECONDS or --no-interruption" add "${add_args[@]}" --name x --interrupts 5
expect 2 "--interrupts '0'" add "${base_args[@]}" --name x --interrupts 0
expect 1 'targets/app-1.2.0.img: published with other content' \
  add "${add_args[@]}" --name app-1.2.0.img --file "$work/targets.good"
expect 1 'keel-lock-1 .* contradicts app-1.2.0.img \(1.2.0, security version 3\)' \
  add "${add_args[@]}" --name x --security-version 2
expect 1 'app-1.2.0.img has version 1.2.0 for keel-lock-1 already' \
  add "${add_args[@]}" --name x --version 1.2.0
expect 1 'nonexistent: cannot open: No such file' add "${add_args[@]}" --name x --file "$work/nonexistent"
[ "$(served)" = "$before" ] || fail "a refused add changed the repository"
expect 1 'not empty .*never writes over one' init --repo "$repo" --keys "$work/keys2"
[ ! -e "$work/keys2" ] || fail "a refused init made a key directory"
expect 1 'holds keys already \(.*\.pem\)' init --repo "$work/repo2" --keys "$keys"
[ ! -e "$work/repo2" ] || fail "a refused init left $work/repo2"
expect 1 'overlap' init --repo "$work/repo3" --keys "$work/repo3/keys"
[ ! -e "$work/repo3" ] || fail "a refused init left $work/repo3"
expect 2 "--threshold: 'web' is no role" init --repo "$work/repo4" --keys "$work/keys4" --threshold web=1
expect 2 "unknown subcommand 'sign'" sign --repo "$repo"
expect 2 "--role 'admin'" rotate-key --repo "$repo" --keys "$keys" --role admin
expect 1 'no such repository directory' status --repo "$work/nonexistent"
mv "$keys/timestamp-1.pem" "$work/timestamp-1.pem"
expect 1 'root v1 trusts 1 timestamp key\(s\), threshold 1, and only 0 of them are here .*missing key id' \
  publish --repo "$repo" --keys "$keys"
mv "$work/timestamp-1.pem" "$keys/timestamp-1.pem"
chmod 644 "$keys/timestamp-1.pem"
expect 1 'timestamp-1.pem: mode 644; .*chmod 600' publish --repo "$repo" --keys "$keys"
chmod 600 "$keys/timestamp-1.pem"
expect 1 "$work/nonexistent.pem: no such key file" \
  rotate-key --repo "$repo" --keys "$keys" --role timestamp --new-key "$work/nonexistent.pem"
openssl genpkey -algorithm ED25519 -aes-256-cbc -pass pass:secret -out "$work/enc.pem" 2>/dev/null
chmod 600 "$work/enc.pem"
expect 1 'encrypted keys are refused' \
  rotate-key --repo "$repo" --keys "$keys" --role timestamp --new-key "$work/enc.pem"
[ "$(served)" = "$before" ] || fail "a refused command changed the repository"
[ "$(cd "$keys" && echo ./*)" = "./root-1.pem ./snapshot-1.pem ./targets-1.pem ./timestamp-1.pem" ] ||
  fail "a refused command changed the key directory: $(cd "$keys" && echo ./*)"
echo "ok: bad names, versions, texts, notices and keys are refused, nothing changed"

# ---- a staged image replaced, then published ----
head -c 5000 /dev/urandom >"$work/img2"
head -c 6000 /dev/urandom >"$work/img3"
new_args=(--repo "$repo" --keys "$keys" --name app-1.3.0.img --hardware-id keel-lock-1
          --version 1.3.0 --security-version 4 --fixes "Fixes 1.2" --risks "none" --no-interruption)
expect 0 'staged targets v3' add "${new_args[@]}" --file "$work/img2"
expect 1 'targets/app-1.3.0.img: exists with other content.*--replace' add "${new_args[@]}" --file "$work/img3"
expect 0 'staged targets v3: app-1.3.0.img \(6000 bytes' add "${new_args[@]}" --file "$work/img3" --replace
expect 0 'targets v3 \(2 targets\)' publish --repo "$repo" --keys "$keys"
consistent
echo "ok: a staged, unpublished image may be replaced with --replace, then published"

# ---- the root key rotated: 2.root.json signed by the old and the new root key ----
old_root=$(key_id -in "$keys/root-1.pem")
expect 0 'root v2: root key' rotate-key --repo "$repo" --keys "$keys" --role root
[ -f "$keys/root-1.pem.retired" ] && [ ! -e "$keys/root-1.pem" ] && [ -f "$keys/root-2.pem" ] ||
  fail "the old root key was not retired: $(ls "$keys")"
new_root=$(key_id -in "$keys/root-2.pem")
cmp -s "$repo/root.json" "$repo/2.root.json" || fail "root.json is not 2.root.json"
[ "$(payload 2.root.json | jq -c '[.version, .roles.root.keyids]')" = "[2,[\"$new_root\"]]" ] ||
  fail "2.root.json does not trust the new root key alone"
# The signatures, checked by openssl over the DSSE pre-authentication encoding.
type=$(jq -r .payloadType "$repo/2.root.json")
payload 2.root.json >"$work/p.bin"
{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(stat -c %s "$work/p.bin")"; cat "$work/p.bin"; } >"$work/pae.bin"
for k in "$old_root:$keys/root-1.pem.retired" "$new_root:$keys/root-2.pem"; do
  jq -r --arg id "${k%%:*}" '.signatures[] | select(.keyid == $id) | .sig' "$repo/2.root.json" |
    base64 -d >"$work/sig.bin"
  [ -s "$work/sig.bin" ] || fail "2.root.json has no signature by ${k##*/}"
  openssl pkey -in "${k#*:}" -pubout -out "$work/pub.pem"
  openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin -in "$work/pae.bin" \
    -sigfile "$work/sig.bin" >/dev/null || fail "2.root.json: the signature by ${k##*/} does not verify"
done
expect 0 'roles \(root chain 1..2\)' status --repo "$repo"
consistent
# Signed by the new key alone, root v2 is refused: root v1's key never vouched for it.
cp "$repo/2.root.json" "$work/2.root.good"
jq -c --arg id "$old_root" 'del(.signatures[] | select(.keyid == $id))' "$work/2.root.good" >"$work/2.root.bad"
cp "$work/2.root.bad" "$repo/2.root.json"
cp "$work/2.root.bad" "$repo/root.json"
expect 3 "2.root.json: not signed by the threshold \(1\) of root v1's root keys" status --repo "$repo"
expect 1 "2.root.json: not signed" publish --repo "$repo" --keys "$keys"
cp "$work/2.root.good" "$repo/2.root.json"
cp "$work/2.root.good" "$repo/root.json"
consistent
echo "ok: rotating the root key writes 2.root.json signed by the old and the new key (openssl" \
  "agrees); signed by the new key alone it is refused"

# ---- the timestamp key rotated ----
expect 0 'published: targets v3, snapshot v4, timestamp v4' \
  rotate-key --repo "$repo" --keys "$keys" --role timestamp
grep -q '^root v3: timestamp key' "$out" || fail "no root v3: $(cat "$out")"
[ -f "$keys/timestamp-1.pem.retired" ] && [ -f "$keys/timestamp-2.pem" ] || fail "timestamp-1 not retired"
[ "$(jq -r '.signatures[0].keyid' "$repo/timestamp.json")" = "$(key_id -in "$keys/timestamp-2.pem")" ] ||
  fail "timestamp.json is not signed by the new timestamp key"
[ "$(payload 3.root.json | jq -r '.roles.root.keyids[0]')" = "$new_root" ] || fail "3.root.json changed the root key"
expect 0 'roles \(root chain 1..3\)' status --repo "$repo"
consistent
echo "ok: rotating the timestamp key writes root v3 and a timestamp signed with the new key"

# ---- keys through OpenSSL store URIs and key references ----
mkdir -m 700 "$work/ext"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ext/snapshot.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$work/ext/targets.pem"
chmod 600 "$work/ext/"*.pem
expect 0 'root v4: snapshot key' \
  rotate-key --repo "$repo" --keys "$keys" --role snapshot --new-key "file:$work/ext/snapshot.pem"
[ "$(jq -r .key "$keys/snapshot-2.ref")" = "file:$work/ext/snapshot.pem" ] || fail "snapshot-2.ref"
[ "$(jq -r .signatures[0].keyid "$repo/snapshot.json")" = "$(key_id -in "$work/ext/snapshot.pem")" ] ||
  fail "snapshot.json is not signed by the P-256 key"
expect 0 'root v5: targets key' \
  rotate-key --repo "$repo" --keys "$keys" --role targets --new-key "$work/ext/targets.pem"
[ "$(jq -r .key "$keys/targets-2.ref")" = "$work/ext/targets.pem" ] || fail "targets-2.ref"
expect 0 'published' publish --repo "$repo" --keys "$keys"
consistent
echo "ok: keys named by a file: URI (ECDSA P-256) and by path are recorded as references and used"

# ---- a timestamp key held by a TPM (swtpm, tpm2-openssl) ----
harness_swtpm "$work/tpm"
export TPM2TOOLS_TCTI=$harness_tcti TPM2OPENSSL_TCTI=$harness_tcti
tpm() { "$@" >>"$work/tpm.log" 2>&1 || fail "$1: $(tail -n 3 "$work/tpm.log")"; tpm2_flushcontext -t; }
tpm tpm2_createprimary -C o -g sha256 -G ecc -c "$work/tpm/primary.ctx"
tpm tpm2_create -C "$work/tpm/primary.ctx" -G ecc256:ecdsa-sha256 -u "$work/tpm/k.pub" -r "$work/tpm/k.priv"
tpm tpm2_load -C "$work/tpm/primary.ctx" -u "$work/tpm/k.pub" -r "$work/tpm/k.priv" -c "$work/tpm/k.ctx"
tpm tpm2_evictcontrol -C o -c "$work/tpm/k.ctx" 0x81000001
tpm_id=$(key_id -provider tpm2 -provider default -in handle:0x81000001)
expect 0 'root v6: timestamp key' rotate-key --repo "$repo" --keys "$keys" --role timestamp \
  --new-key handle:0x81000001 --provider tpm2
[ "$(jq -c . "$keys/timestamp-3.ref")" = '{"providers":["tpm2"],"key":"handle:0x81000001"}' ] ||
  fail "timestamp-3.ref: $(cat "$keys/timestamp-3.ref")"
expect 0 'published' publish --repo "$repo" --keys "$keys"
[ "$(jq -r '.signatures[0].keyid' "$repo/timestamp.json")" = "$tpm_id" ] ||
  fail "timestamp.json is not signed by the TPM's key"
consistent
echo "ok: a timestamp key held by a TPM signs through OSSL_STORE (handle: URI, tpm2 provider)"

# ---- expiry ----
expect 0 'warning: timestamp: expires at .*within 1[01] hours' \
  status --repo "$repo" --at "$(date -u -d '+13 hours' +%Y-%m-%dT%H:%M:%SZ)"
expect 3 "problem: timestamp: expired at .*run 'keel release publish'" \
  status --repo "$repo" --at "$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)"
expect 3 "problem: root: expired at .*--renew root" \
  status --repo "$repo" --at "$(date -u -d '+400 days' +%Y-%m-%dT%H:%M:%SZ)"
expect 0 'published: root v7, targets v5 \(2 targets\)' \
  publish --repo "$repo" --keys "$keys" --renew root,targets
consistent
echo "ok: expiries are warned about and refused as a device would; publish --renew renews them"
