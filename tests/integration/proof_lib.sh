# Shared by the proof_* tests: keeld's attack surface checked with tools keel did not write
# (testssl.sh, nmap, curl, openssl s_client), against a device provisioned for the test.
# Source it after nothing else; it sources scripts/harness.sh and keeld_lib.sh, sets
# -euo pipefail and the EXIT trap, and leaves the work directory in $work.
# shellcheck shell=bash
set -euo pipefail

: "${KEEL_BIN:?KEEL_BIN must name the keel CLI}"
: "${KEELD_BIN:?KEELD_BIN must name keeld}"
: "${KEEL_SOURCE_DIR:?KEEL_SOURCE_DIR must name the source tree}"

. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
trap 'exit 130' INT TERM
harness_tempdir
work=$harness_dir
fail() { keeld_fail "$@"; }

# proof_need TOOL...: every tool must be installed (Debian packages named in docs/testing.md);
# a proof that cannot run fails rather than passing silently.
proof_need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || fail "$t is not installed (see docs/testing.md)"
  done
}

# proof_device: a device in $work/dev (file root of trust) that keeld can open; sets serial,
# pw (the label password) and name (the host name its HTTPS certificate carries).
proof_device() {
  keeld_provision "$work/dev" "$work/label" --rot file
  serial=$(field serial "$work/label")
  pw=$(field password "$work/label")
  name="${serial,,}.local"
  # started as root, keeld works as its own account, which must own its data directory
  harness_keeld_owns "$work/dev" || fail "cannot give $work/dev to keeld's account"
}

# proof_port: a TCP port free on this machine's loopback, in $proof_port.
proof_port() {
  local i
  for i in $(seq 20); do
    proof_port=$((20000 + RANDOM % 40000))
    port_free "$proof_port" && return 0
  done
  fail "no free port found"
}

# proof_timed NAME OUT CMD...: run CMD with its output in OUT and print how long it took (run
# times are the proofs' cost in 'make check').
proof_timed() {
  local name=$1 out=$2 start rc=0
  shift 2
  start=$EPOCHREALTIME
  "$@" >"$out" 2>&1 || rc=$?
  awk -v n="$name" -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "time: %s %.1f s\n", n, b - a }'
  return $rc
}
