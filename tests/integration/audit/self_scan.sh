#!/usr/bin/env bash
# keel's own 5.4-3 ("no credential, key or password is compiled into any binary or source
# file"): the auditor's scanner (5.4-3-2) over what keel puts on a device - libkeel.so,
# libkeel.a, keeld, and an installed tree - and over the source tree, must find nothing.
# A planted flaw in a copy must be found, so a scanner that finds nothing at all fails.
#
# Left out, on purpose: the keel CLI binary (bin/keel) and its engine src/audit, which are
# the auditor: they embed its dictionary of default passwords by design (data/credentials,
# also left out) and the weak password 5.1-4-2 offers; and tests/, which make keys and weak
# passwords to test with. None of them runs on a device.
#
# keeld and libkeel embed the blocklist of common passwords (data/passwords/common.txt)
# that refuses weak new passwords (5.1-4). Its entries are shown as "in a list of 64+
# words" and not counted; a lone default password as a C string still is.
set -euo pipefail
: "${KEEL_AUDIT_SCAN:?}" "${KEEL_SOURCE_DIR:?}" "${KEEL_BUILD_DIR:?}" "${KEELD_BIN:?}"
: "${KEEL_LIB_SHARED:?}" "${KEEL_LIB_STATIC:?}"
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

fail() { echo "FAIL: $*" >&2; exit 1; }

# clean WHAT ROOT [EXCLUDE...]: the scan of ROOT finds nothing.
clean() {
  local what=$1 rc=0; shift
  "$KEEL_AUDIT_SCAN" "$@" >"$work/scan.out" 2>&1 || rc=$?
  [ $rc -eq 0 ] || { cat "$work/scan.out" >&2; fail "$what: the scan found something (exit $rc)"; }
  echo "ok: $what: $(tail -n 1 "$work/scan.out")"
}

# The device artefacts of this build.
mkdir -p "$work/device"
cp "$KEEL_LIB_SHARED" "$KEEL_LIB_STATIC" "$KEELD_BIN" "$work/device/"
clean "libkeel.so, libkeel.a, keeld" "$work/device"

# An installed tree (DESTDIR-style), without the auditor's CLI.
cmake --install "$KEEL_BUILD_DIR" --prefix "$work/prefix" >/dev/null
[ -x "$work/prefix/bin/keel" ] || fail "the install has no bin/keel to leave out"
clean "installed tree" "$work/prefix" bin/keel

# The sources of everything that goes on a device, and its documentation.
clean "source tree src/" "$KEEL_SOURCE_DIR/src" audit
clean "source tree data/" "$KEEL_SOURCE_DIR/data" credentials
for d in apps include web docs; do
  [ -d "$KEEL_SOURCE_DIR/$d" ] || continue
  clean "source tree $d/" "$KEEL_SOURCE_DIR/$d"
done

# Control: the same scan over a copy with a planted key and a planted default password.
cp -r "$KEEL_SOURCE_DIR/apps" "$work/planted"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/planted/dev.pem" 2>/dev/null
printf '[admin]\nuser = owner\npassword = "admin"\n' >"$work/planted/fake.conf"
rc=0
"$KEEL_AUDIT_SCAN" "$work/planted" >"$work/planted.out" 2>&1 || rc=$?
[ $rc -eq 1 ] || { cat "$work/planted.out" >&2; fail "planted flaws: exit $rc, not 1"; }
grep -q "^dev.pem: offset 0: PEM block 'PRIVATE KEY' (SHA-256 [0-9a-f]\{16\})$" "$work/planted.out" ||
  { cat "$work/planted.out" >&2; fail "the planted key was not found"; }
grep -q "^fake.conf: offset [0-9]*: default password 'admin' (quoted)$" "$work/planted.out" ||
  { cat "$work/planted.out" >&2; fail "the planted password was not found"; }
# The key itself never shows, only its fingerprint.
sed -n 2p "$work/planted/dev.pem" | cut -c1-24 >"$work/keyline"
! grep -qFf "$work/keyline" "$work/planted.out" || fail "key material in the scan output"
echo "ok: planted key and password found, shown by fingerprint and dictionary entry only"
