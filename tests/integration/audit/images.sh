#!/usr/bin/env bash
# --firmware IMAGE and --firmware-peer: tests/fixtures/firmware_images.sh builds, at test time, one
# flawed firmware tree and the same tree as a gzip tar, a squashfs and an ext4 image. keel audit
# runs on each (--only 5.1-1, 5.4-3, 5.4-4, 5.6-7, against a port nothing listens on in the
# test's namespace) and must report the same findings for all four (5.1-1-3, 5.4-3-2,
# 5.6-7-2 FAIL), say which image and tool, and leave no unpacked tree behind. A peer sharing the
# OpenSSH host key and the EC device key (re-encoded as PKCS#8 DER) makes 5.4-4-2 FAIL naming
# both paths and the key's fingerprint (checked against openssl's own); a peer with its own keys
# makes it PASS. Hostile images ("..", an absolute name, a member through a symbolic link, a
# device node, a truncated squashfs, a text file) end in an error naming the image and the
# reason, exit status 1, no report, nothing written outside.
. "$(dirname "$0")/lib.sh"
started=$SECONDS

fx=$WORK/images
bash "$KEEL_SOURCE_DIR/tests/fixtures/firmware_images.sh" "$fx" >"$WORK/fixture.log" 2>&1 || {
    cat "$WORK/fixture.log" >&2
    fail "cannot build the firmware images"
}
only=5.1-1,5.4-3,5.4-4,5.6-7
ids=(5.1-1-3 5.4-3-2 5.6-7-2)

# The finding lines of test case $2 in report $1 ("path[:line]: what"; not the headers, which
# name the tree's own path), sorted.
findings() {
    jq -r --arg id "$2" '.provisions[].tests[] | select(.id == $id) | .evidence[]' \
        "$WORK/$1/report.json" | grep -E '^[^ ]+: ' | grep -Ev '^(white-box:|firmware image )' | sort
}
verdict() {
    jq -r --arg id "$2" '[.provisions[].tests[] | select(.id == $id)][0].verdict' "$WORK/$1/report.json"
}
no_leftover() {
    ! compgen -G "$WORK/$1/.keel-image-*" >/dev/null || fail "$1: an unpacked tree is left in $WORK/$1"
}

run_audit dir 3 --target 127.0.0.1:9 --only "$only" --firmware "$fx/tree"
for id in "${ids[@]}"; do
    [ "$(verdict dir "$id")" = FAIL ] || fail "dir: $id is $(verdict dir "$id"), not FAIL"
    [ -n "$(findings dir "$id")" ] || fail "dir: $id has no finding"
done
# What the tree holds must be found: the default password, every key, the setuid program and the
# world-writable directory; the certificate is listed apart; the link to /etc/shadow not followed.
for re in "^etc/shadow:1: account 'root': password is the default 'admin'" \
    "^etc/ssh/ssh_host_ed25519_key: offset 0: PEM block 'OPENSSH PRIVATE KEY'" \
    "^etc/ssl/private/device.key: offset 0: PEM block 'PRIVATE KEY' \(SHA-256 $(cat "$fx/shared.txt")\)" \
    "^lib/keys/attest.der: offset 0: DER id-ecPublicKey private key" \
    "^root/.putty/id.ppk: offset 0: PuTTY ssh-ed25519 private key" \
    "^etc/ssl/certs/ca.pem: offset 0: certificate 'CN=fixture-ca' .*not counted" \
    "^usr/bin/helper: setuid" "^var/shared: world-writable"; do
    jq -r '.provisions[].tests[].evidence[]' "$WORK/dir/report.json" | grep -Eq -- "$re" ||
        fail "dir: no evidence line matches $re"
done

for img in fw.tar.gz fw.sqfs fw.ext4; do
    name=${img//./-}
    run_audit "$name" 3 --target 127.0.0.1:9 --only "$only" --firmware "$fx/$img"
    for id in "${ids[@]}"; do
        [ "$(verdict "$name" "$id")" = FAIL ] || fail "$img: $id is not FAIL"
        diff <(findings dir "$id") <(findings "$name" "$id") >"$WORK/$name.diff" || {
            cat "$WORK/$name.diff" >&2
            fail "$img: the findings of $id differ from the directory's"
        }
        jq -r --arg id "$id" '.provisions[].tests[] | select(.id == $id) | .evidence[]' \
            "$WORK/$name/report.json" | grep -q "^firmware image $fx/$img (.*) unpacked by " ||
            fail "$img: $id does not name the image and its tool"
    done
    no_leftover "$name"
    echo "ok: $img: the directory's findings of ${ids[*]}"
done

# 5.4-4-2: a peer sharing two keys (one re-encoded), both as images (a zstd tar and squashfs); a
# peer with its own keys.
run_audit shared 3 --target 127.0.0.1:9 --only 5.4-4 --firmware "$fx/fw.tar.zst" \
    --firmware-peer "$fx/peer-shared.sqfs"
[ "$(verdict shared 5.4-4-2)" = FAIL ] || fail "shared keys: 5.4-4-2 is not FAIL"
ev=$(jq -r '.provisions[].tests[] | select(.id == "5.4-4-2") | .evidence[]' "$WORK/shared/report.json")
grep -q "the same private key (SHA-256 [0-9a-f]\{16\}) on both devices: firmware etc/ssh/ssh_host_ed25519_key offset 0 (OPENSSH PRIVATE KEY) and peer etc/ssh/ssh_host_ed25519_key" <<<"$ev" ||
    fail "shared keys: the host key is not named in both trees"
grep -q "the same private key (SHA-256 $(cat "$fx/shared.txt")) on both devices: firmware etc/ssl/private/device.key offset 0 (PRIVATE KEY) and peer data/device-key.der offset 0 (id-ecPublicKey)" <<<"$ev" ||
    fail "shared keys: the device key (PEM here, DER there) is not matched"
grep -q "^2 private key(s) shared" <<<"$ev" || fail "shared keys: not exactly 2 shared"
no_leftover shared
echo "ok: 5.4-4-2 FAIL on a peer sharing the host key and the device key (PEM vs DER)"
run_audit unique 0 --target 127.0.0.1:9 --only 5.4-4 --firmware "$fx/fw.sqfs" \
    --firmware-peer "$fx/peer-unique"
[ "$(verdict unique 5.4-4-2)" = PASS ] || fail "unique keys: 5.4-4-2 is $(verdict unique 5.4-4-2)"
[ "$(verdict dir 5.4-4-2)" = null ] || fail "without a peer 5.4-4-2 must not be recorded"
echo "ok: 5.4-4-2 PASS on a peer with its own keys, not recorded without a peer"

# Hostile images: refused before anything is written, nothing left behind.
hostile() { # IMAGE EXPECTED-MESSAGE-ERE
    local name=hostile-${1//./-} rc=0
    mkdir -p "$WORK/$name"
    in_ns "$KEEL_BIN" audit --out "$WORK/$name" --target 127.0.0.1:9 --only 5.4-3 \
        --firmware "$fx/$1" >"$WORK/$name/stdout" 2>"$WORK/$name/stderr" || rc=$?
    [ "$rc" = 1 ] || { cat "$WORK/$name/stderr" >&2; fail "$1: exit $rc, expected 1"; }
    grep -Eq -- "^keel audit: --firmware $fx/$1.*$2" "$WORK/$name/stderr" || {
        cat "$WORK/$name/stderr" >&2
        fail "$1: the error does not name the image and '$2'"
    }
    [ ! -e "$WORK/$name/report.json" ] || fail "$1: a report was written"
    [ -z "$(ls -A "$WORK/$name" | grep -v '^std')" ] || fail "$1: something is left in $WORK/$name"
    echo "ok: $1 refused: $(tail -n 1 "$WORK/$name/stderr" | cut -c1-140)"
}
hostile hostile-dotdot.tar "'\.\./\.\./escaped-dotdot': a '\.\.' component"
hostile hostile-absolute.tar "an absolute name"
hostile hostile-symlink.tar "'lnk/escaped-symlink': below the symbolic link 'lnk'"
hostile hostile-device.tar "'dev/sda': a device node"
hostile truncated.sqfs "unsquashfs: exit status [0-9]+: "
hostile not-an-image "not an image keel knows"
[ -z "$(ls -A "$fx/outside")" ] || fail "a hostile image wrote into $fx/outside"
! find "$WORK" / -xdev -maxdepth 1 -name 'escaped-*' 2>/dev/null | grep -q . ||
    fail "a hostile image wrote outside its directory"

echo "ok: images ($((SECONDS - started)) s)"
