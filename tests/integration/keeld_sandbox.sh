#!/bin/bash
# keeld started as root runs as its own account under the seccomp allow-list (5.6-7): no
# uid 0, no capability in any set, no-new-privs, filter mode; it still logs in, changes the
# password (a store write) and restarts with it, on the file backend and on a TPM (swtpm).
# It refuses a data directory of root's and an account that does not exist. The systemd
# unit shipped in dist/ is scored by systemd-analyze security.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
fail() { keeld_fail "$@"; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: keeld_sandbox needs root (the drop from root is the test)"; exit 0; }
getent passwd keel >/dev/null || fail "no account keel: run scripts/bootstrap"
keel_uid=$(id -u keel)

status_of() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$keeld_pid/status"; }
# held WHAT: keeld's process is the account keel, capability-free, filtered
held() {
  local uid caps i
  # keeld prints its ready line once bound, just before it enters the sandbox
  for i in $(seq 50); do
    [ "$(status_of Seccomp)" = 2 ] && break
    sleep 0.1
  done
  uid=$(echo $(status_of Uid))
  [ "$uid" = "$keel_uid $keel_uid $keel_uid $keel_uid" ] || fail "$1: Uid is '$uid', not keel's"
  [ "$(status_of Gid | awk '{print $1}')" != 0 ] || fail "$1: gid 0"
  for caps in CapInh CapPrm CapEff CapBnd CapAmb; do
    [ "$(status_of $caps)" = 0000000000000000 ] || fail "$1: $caps is $(status_of $caps)"
  done
  [ "$(status_of NoNewPrivs)" = 1 ] || fail "$1: NoNewPrivs is not 1"
  [ "$(status_of Seccomp)" = 2 ] || fail "$1: Seccomp is not 2 (filter)"
}

# exercise LABEL [keeld options]: login, password change, restart, login with the new one.
exercise() {
  local what=$1 dir=$2 token; shift 2
  local pw new="sandboxed $what passphrase"
  pw=$(field password "$work/$what.label")
  keeld_start "$dir" "$@"
  held "$what"
  expect "$what: wrong password" "$(call POST /api/v1/login -d "$(login_body WRONG-PASS)")" \
    '401 {"error":"unauthorized"}'
  token=$(login "$pw")
  expect "$what: password change" "$(call POST /api/v1/password -H "Authorization: Bearer $token" \
    -d "$(password_body "$pw" "$new")")" "204 "
  kill -0 "$keeld_pid" 2>/dev/null || fail "$what: keeld died under the filter"
  held "$what after a store write"
  keeld_stop
  grep -q "Bad system call" "$work/keeld.log" && fail "$what: killed by the filter"
  keeld_start "$dir" "$@"
  held "$what, restarted"
  login "$new" >/dev/null
  keeld_stop
  echo "ok: $what: keeld runs as keel (uid $keel_uid), no capabilities, no-new-privs, seccomp filter; login, password change and restart work"
}

keeld_provision "$work/file" "$work/file.label"
exercise file "$work/file"

harness_swtpm "$work/tpm" || fail "swtpm does not start"
keeld_provision "$work/tpm2" "$work/tpm2.label" --rot "tpm2:$harness_tcti"
exercise tpm2 "$work/tpm2" --rot "tpm2:$harness_tcti"

# Refusals, before anything is opened.
refuses() { # WHAT PATTERN keeld-args...
  local what=$1 pattern=$2 rc=0; shift 2
  "$KEELD_BIN" "$@" --port 1 >"$work/refuse.log" 2>&1 || rc=$?
  [ $rc -eq 1 ] && grep -qE "$pattern" "$work/refuse.log" ||
    fail "$what: exit $rc: $(cat "$work/refuse.log")"
  echo "ok: $what refused: $(grep 'refusing' "$work/refuse.log")"
}
cp -a "$work/file" "$work/rootdir" && chown root: "$work/rootdir"
refuses "a data directory of root's" \
  "data directory $work/rootdir belongs to uid 0, not to keel: chown -R keel: $work/rootdir" \
  --data "$work/rootdir"
refuses "--user nosuchuser" "user 'nosuchuser' does not exist" --data "$work/file" --user nosuchuser
refuses "--user root" "user 'root' is root" --data "$work/file" --user root

# The shipped unit, scored offline.
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is absent: dist/keeld.service not scored"
  exit 0
fi
systemd-analyze security --offline=true --no-pager "$KEEL_SOURCE_DIR/dist/keeld.service" \
  >"$work/security.txt" 2>&1 || fail "systemd-analyze: $(cat "$work/security.txt")"
score=$(sed -n 's/.*Overall exposure level for keeld.service: \([0-9.]*\) .*/\1/p' "$work/security.txt")
[ -n "$score" ] || fail "no exposure score: $(tail -3 "$work/security.txt")"
awk -v s="$score" 'BEGIN { exit !(s < 3.0) }' || fail "dist/keeld.service exposure $score, not below 3.0"
echo "ok: dist/keeld.service exposure level $score (below 3.0, systemd's OK)"
