#!/bin/bash
# The lock through power cuts (5.9-2): lock_sim does random lock operations (the bolt from
# the API, the cloud and the button, right and wrong PINs, the door sensor, the battery,
# PINs added and removed, the cloud taking events) as fast as it can, and is killed with
# SIGKILL at a random moment, KEEL_POWERCUT_KILLS times (default 200). After every kill
# lock_sim --check reads lock.db as the kill left it: SQLite's integrity check passes; the
# access log's and the queue's seqs are contiguous and end at the newest event; every
# operation the simulator acknowledged (its "OK" line, printed only after the commit) is
# there with its effect; the one under way is there whole or not at all; and opening the
# lock as keeld does locks the bolt and logs "fail_secure". The next run goes on from there.
#
# A kill stops the process, not the machine: what it wrote stays in the page cache. So the
# test runs in memory (tmpfs) and checks the transactions (all of an operation or none of
# it, in any order of kill points); that a reported commit is on flash is SQLite's part
# with synchronous=FULL, which this test does not see.
#
# KEEL_POWERCUT_SEED replays the kill times and operations of an earlier run.
set -euo pipefail
: "${KEEL_SOURCE_DIR:?}" "${KEEL_BUILD_DIR:?}"
source "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT

sim=${KEEL_LOCK_SIM:-$KEEL_BUILD_DIR/tests/integration/lock_sim}
kills_wanted=${KEEL_POWERCUT_KILLS:-200}
seed=${KEEL_POWERCUT_SEED:-$((($$ + $(date +%s)) % 32768))}
RANDOM=$seed
[ -x "$sim" ] || { echo "no lock_sim at $sim (build first)"; exit 1; }
# LeakSanitizer would report what a killed process never freed: not a leak here.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  TMPDIR=/dev/shm harness_tempdir
else
  harness_tempdir
fi
work=$harness_dir
dev=$work/dev
acked=$work/acked
out=$work/run.out
log=$work/log
mkdir -m 0700 "$dev"
start=$SECONDS
kills=0
ops=0
committed=0 # killed after an operation's commit, before its acknowledgement
undone=0    # killed inside an operation, before its commit
unseen=0    # killed inside the cloud's taking of events (no state the check reads)
between=0   # killed between operations

fail() {
  echo "FAIL: $*"
  echo "seed: $seed (KEEL_POWERCUT_SEED=$seed replays it), after $kills kills"
  echo "last lines of the simulator's output:"
  tail -n 5 "$acked" | sed 's/^/  /'
  echo "log:"
  tail -n 20 "$log" | sed 's/^/  /'
  exit 1
}

"$sim" --setup "$dev" >"$acked" 2>>"$log" || fail "lock_sim --setup"

while [ "$kills" -lt "$kills_wanted" ]; do
  # emptied here, not by the redirection below: that runs in the background child, and the
  # wait for READY could otherwise still read the previous run's output
  : >"$out"
  "$sim" --run "$dev" "$((RANDOM * 32768 + RANDOM))" >"$out" 2>>"$log" &
  pid=$!
  # killed only once the lock is open (its running mark set): then every kill is an
  # unclean stop the next start must fail secure from
  waited=$SECONDS
  until [ "$(head -c 6 "$out")" = READY ]; do
    kill -0 "$pid" 2>/dev/null || fail "lock_sim --run exited before it was ready"
    [ $((SECONDS - waited)) -lt 30 ] || fail "lock_sim --run not ready after 30 s"
    sleep 0.01
  done
  sleep "0.$(printf '%03d' $((RANDOM % 250)))"
  kill -KILL "$pid" 2>/dev/null || true
  status=0
  { wait "$pid"; } 2>/dev/null || status=$?
  [ "$status" -eq 137 ] || fail "lock_sim --run ended with status $status before the kill"
  kills=$((kills + 1))
  # a line cut by the kill was never acknowledged
  [ -z "$(tail -c 1 "$out")" ] || sed -i '$d' "$out"
  ops=$((ops + $(grep -c '^OK' "$out" || true)))
  cat "$out" >>"$acked"
  where=$("$sim" --check "$dev" "$acked" 2>>"$log") || fail "check after kill $kills"
  case $where in
    committed) committed=$((committed + 1)) ;;
    undone) undone=$((undone + 1)) ;;
    unseen) unseen=$((unseen + 1)) ;;
    *) between=$((between + 1)) ;;
  esac
  # what came before is checked already; the log's window is what stays checkable
  tail -n 5000 "$acked" >"$acked.tail" && mv "$acked.tail" "$acked"
done

echo "PASS: $kills kills with SIGKILL at random moments, $ops operations acknowledged," \
  "each kill followed by a consistent lock.db and a fail-secure start ($((SECONDS - start)) s," \
  "seed $seed)"
echo "  the operation under way at the kill: $undone not committed, $committed committed but" \
  "not yet acknowledged, $unseen taking events from the queue; $between between operations"
