#!/usr/bin/env bash
# keel audit's command line: usage errors exit 2, unusable output directories exit 1, and
# nothing is probed or written when the command line is wrong.
set -euo pipefail
: "${KEEL_BIN:?}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-audit-cli.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

expect() { # STATUS ARGS...
    local want="$1" rc=0
    shift
    "$KEEL_BIN" audit "$@" >"$WORK/out" 2>&1 || rc=$?
    if [ "$rc" != "$want" ]; then
        cat "$WORK/out" >&2
        echo "FAIL: keel audit $* exited $rc, expected $want" >&2
        exit 1
    fi
}

expect 0 --help
expect 2
expect 2 --target 127.0.0.1
expect 2 --target 127.0.0.1:0
expect 2 --target 127.0.0.1:65536
expect 2 --target 127.0.0.1:44x
expect 2 --target ::1:443
expect 2 --target '[::1]443'
expect 2 --target 'bad_host!:443'
expect 2 --target '-leading.dash:443'
expect 2 --target 127.0.0.1:443 --version 1.0.0
expect 2 --target 127.0.0.1:443 --format xml
expect 2 --target 127.0.0.1:443 --format json,
expect 2 --target 127.0.0.1:443 --login-path relative
expect 2 --target 127.0.0.1:443 --login-path $'/a\x01b'
expect 2 --target 127.0.0.1:443 --login-path '/with space'
expect 2 --target 127.0.0.1:443 --status-path relative
grep -q -- "--status-path must be an absolute URL path" "$WORK/out" ||
    { echo "FAIL: --status-path refused without its reason" >&2; exit 1; }
expect 2 --target 127.0.0.1:443 --status-path $'/a\x01b'
expect 2 --target 127.0.0.1:443 --bogus
expect 2 --target 127.0.0.1:443 extra
# An output directory that cannot be made, or a file in its place: error before probing.
expect 1 --target 127.0.0.1:443 --out "$WORK/missing/deeper"
grep -q "cannot make --out" "$WORK/out" || { echo "FAIL: no reason given" >&2; exit 1; }
: >"$WORK/file"
expect 1 --target 127.0.0.1:443 --out "$WORK/file"
grep -q "is not a directory" "$WORK/out" || { echo "FAIL: no reason given" >&2; exit 1; }
[ -z "$(ls -A "$WORK" | grep -v -e '^out$' -e '^file$')" ] ||
    { echo "FAIL: files written" >&2; exit 1; }
echo "PASS: audit command line"
