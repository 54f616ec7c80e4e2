#!/bin/bash
# Power loss during an update (5.3-2, 5.3-9, 5.3-10, 5.7-1): the device's update agent is
# killed with SIGKILL at its write-like system calls, as a power cut would stop it, during
# the check (metadata refresh, download into the inactive slot, slot record, trial request)
# and during the start after the update (trial reconciliation, integrity check, confirmation
# and the raise of the anti-rollback floor). After every kill the simulated bootloader
# (agent_sim reboot) must start a slot that verifies against its signed record (agent_sim
# boot fails otherwise), and retrying must complete the update: slot b primary and
# verified, slot a untouched, the floor at the new security version.
#
# A kill is strace's fault injection: "-e inject=SYSCALL:signal=KILL:when=K" delivers
# SIGKILL on entering the K-th call of SYSCALL, before the call runs (strace counts each
# system call separately, so each point is named by its system call and ordinal, taken
# from a clean run of the same step on the same device state). First every point of a
# clean start and of a clean check (an even spread of the check's when fewer kills are
# asked for) is killed once; then chains of random kills (a power cut in the retry, in the
# recovery start, ...) run until KEEL_POWERLOSS_KILLS kills (default 200; scripts/soak asks
# for thousands) have been made, by KEEL_POWERLOSS_JOBS workers side by side.
# KEEL_POWERLOSS_SEED replays the random chains of an earlier run.
#
# A kill stops the process, not the machine: writes made before it stay in the page cache.
# That the agent's syncs make them durable before it goes on is the library's part (every
# rename follows a synced file and is followed by a synced directory).
set -euo pipefail
: "${KEEL_SOURCE_DIR:?}" "${KEEL_BUILD_DIR:?}" "${KEEL_BIN:?}"
source "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT

sim=${KEEL_AGENT_SIM:-$KEEL_BUILD_DIR/tests/integration/agent_sim}
kills_wanted=${KEEL_POWERLOSS_KILLS:-200}
seed=${KEEL_POWERLOSS_SEED:-$((($$ + $(date +%s)) % 32768))}
RANDOM=$seed
command -v strace >/dev/null || { echo "strace is missing (scripts/bootstrap installs it)"; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (scripts/bootstrap installs it)"; exit 1; }
[ -x "$sim" ] || { echo "no agent_sim at $sim (build first)"; exit 1; }
# LeakSanitizer cannot run under ptrace: the traced runs of the sanitizer build go without
# it (the untraced runs keep it).
traced_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")

# What may change the flash. A kill at an open, a read or a close leaves what a kill at the
# next of these calls leaves (at most an empty temporary file less).
syscalls=write,writev,pwrite64,pwritev,pwritev2,rename,renameat,renameat2,fsync,fdatasync
syscalls+=,sync_file_range,unlink,unlinkat,rmdir,ftruncate,truncate,mkdir,mkdirat

# The kills stop the process, not the kernel: what it wrote before is in the page cache
# either way, so the devices live in memory (tmpfs), where the syncs the agent makes (each
# still a kill point) cost nothing.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  TMPDIR=/dev/shm harness_tempdir
else
  harness_tempdir
fi
work=$harness_dir
repo=$work/repo
keys=$work/keys
dev=$work/dev
log=$work/log
now=$(date +%s)
hwid=keel-sim-1
new=fw-2.0.0.img
new_security=3
start=$SECONDS
kills=0
where=""

fail() {
  echo "FAIL: $*"
  echo "seed: $seed (KEEL_POWERLOSS_SEED=$seed replays the random chains)"
  [ -d "$dev" ] && echo "state: $("$sim" state "$dev" 2>&1 || true)"
  echo "last lines of the log:"
  tail -n 40 "$log" | sed 's/^/  /'
  exit 1
}

# ---- the repository and the device at the factory ----

# Images: the factory one of a few hundred KiB; the update larger than several of the
# download's progress steps (4 MiB), so that kills fall between checkpoints and the
# download resumes, with an odd length so that its last write is a short one.
head -c 307200 /dev/urandom >"$work/fw1.img"
head -c $((9 * 1024 * 1024 + 12345)) /dev/urandom >"$work/fw2.img"
release() { "$KEEL_BIN" release "$@" >>"$log" 2>&1 || fail "keel release $1"; }
add() { # FILE NAME VERSION SECURITY_VERSION
  release add --repo "$repo" --keys "$keys" --file "$1" --name "$2" --hardware-id "$hwid" \
    --version "$3" --security-version "$4" --fixes "power-loss test build $3" \
    --risks "none: a test image" --interrupts 60
}
release init --repo "$repo" --keys "$keys"
add "$work/fw1.img" fw-1.0.0.img 1.0.0 1
release publish --repo "$repo" --keys "$keys"

fresh=$work/template-fresh
"$sim" setup "$fresh" "$repo" "$now" >>"$log" 2>&1 || fail "agent_sim setup"
"$sim" boot "$fresh" >>"$log" 2>&1 || fail "the first start of the factory device"
# The release the device must install, with a higher security version (the floor's raise
# is one counter step at a time: two steps here, so a kill can fall between them).
add "$work/fw2.img" "$new" 2.0.0 "$new_security"
release publish --repo "$repo" --keys "$keys"

use() { rm -rf "$dev"; cp -a "$1" "$dev"; }

# ---- running the agent, cleanly or killed ----

# points OUT CMD...: run CMD cleanly under strace and list its write-like calls, in order,
# as "SYSCALL ORDINAL" lines into OUT.
points() {
  local out=$1
  shift
  "${traced_env[@]}" strace -f -qq -o "$work/trace" -e trace="$syscalls" -e signal=none \
    "$@" >>"$log" 2>&1 || fail "clean traced run of: $*"
  awk '{ sub(/^[0-9]+ +/, "") }
       match($0, /^[a-z0-9_]+\(/) { n = substr($0, 1, RLENGTH - 1); print n, ++count[n] }' \
    "$work/trace" >"$out"
  [ -s "$out" ] || fail "no write-like call seen in: $*"
}

# killed SYSCALL ORDINAL CMD...: run CMD, killed on entering that call. Returns 0 when it was
# killed, 1 when it ended before reaching the call (no kill), fails on anything else.
killed() {
  local call=$1 ord=$2 rc=0
  shift 2
  { "${traced_env[@]}" strace -f -qq -o /dev/null -e trace="$call" -e signal=none \
      -e inject="$call:signal=KILL:when=$ord" "$@"; } >>"$log" 2>&1 || rc=$?
  case $rc in
    137) kills=$((kills + 1)); return 0 ;;
    0) return 1 ;;
    *) fail "$* ended with status $rc instead of being killed at $call #$ord" ;;
  esac
}

reboot() { "$sim" reboot "$dev" >>"$log" 2>&1 || fail "the bootloader, after $where"; }

# A start that must succeed: the booted slot verified (agent_sim boot checks it).
boot() {
  local out
  out=$("$sim" boot "$dev" 2>>"$log") || fail "the device did not start on a verified slot after $where"
  echo "$out" >>"$log"
  case $out in *"(verified)"*) ;; *) fail "unexpected start after $where: $out" ;; esac
}

check() { "$sim" check "$dev" "$repo" "$now" >>"$log" 2>&1 || fail "check after $where"; }

updated() {
  "$sim" state "$dev" 2>>"$log" | jq -e --arg t "$new" --argjson f "$new_security" \
    '.primary == "b" and .trial == "" and .booted == "b" and .floor == $f and
     .slot_b.target == $t and .slot_b.verified and
     .slot_a.target == "fw-1.0.0.img" and .slot_a.verified' >/dev/null
}

# Retry as the device would, until the update is complete.
complete() {
  local _
  for _ in 1 2 3 4; do
    updated && return 0
    check
    reboot
    boot
  done
  updated || fail "the update did not complete after $where: $("$sim" state "$dev")"
}

# The start's check can fail: one flipped byte in the booted slot stops it (5.7-1).
use "$fresh"
printf '\x5a' | dd of="$dev/slot-a" bs=1 seek=1000 conv=notrunc status=none
if out=$("$sim" boot "$dev" 2>&1); then
  fail "a start on a modified slot a succeeded: $out"
fi
case $out in
  *"keel_integrity_verify: error -700 "*) ;;
  *) fail "a start on a modified slot a failed otherwise than KEEL_ERR_INTEGRITY_MISMATCH: $out" ;;
esac

# ---- the points of a clean run ----

use "$fresh"
points "$work/points-check" "$sim" check "$dev" "$repo" "$now"
"$sim" reboot "$dev" >>"$log" 2>&1 || fail "reboot into the trial"
trial=$work/template-trial
rm -rf "$trial"
cp -a "$dev" "$trial"
points "$work/points-boot" "$sim" boot "$dev"
updated || fail "a clean update did not complete: $("$sim" state "$dev")"
mapfile -t check_points <"$work/points-check"
mapfile -t boot_points <"$work/points-boot"
echo "a clean check makes ${#check_points[@]} write-like calls, the start after it" \
  "${#boot_points[@]}"

# ---- the work: every point once, then chains of random power cuts ----

# Every point of the start (they are few); the check's points with a stride when there are
# more of them than the kills left for them.
stride=1
room=$((kills_wanted - ${#boot_points[@]}))
if [ "$room" -lt 1 ]; then
  stride=${#check_points[@]}
elif [ "${#check_points[@]}" -gt "$room" ]; then
  stride=$(((${#check_points[@]} + room - 1) / room))
fi
singles=()
for p in "${boot_points[@]}"; do singles+=("boot $p"); done
for ((i = 0; i < ${#check_points[@]}; i += stride)); do singles+=("check ${check_points[i]}"); done

# kill_once STEP SYSCALL ORDINAL: from the device before STEP, kill STEP there, then start
# again and complete the update.
kill_once() {
  where="a kill in $1 at $2 #$3"
  if [ "$1" = check ]; then
    use "$fresh"
    killed "$2" "$3" "$sim" check "$dev" "$repo" "$now" || fail "$where: the point was not reached"
  else
    use "$trial"
    killed "$2" "$3" "$sim" boot "$dev" || fail "$where: the point was not reached"
  fi
  reboot
  boot
  complete
}

# A random point of a step's clean run, or none (about one step in four runs to its end).
pick() { # NAME OF ARRAY
  local -n list=$1
  local n=$((${#list[@]} + ${#list[@]} / 3))
  picked=${list[RANDOM % n]:-}
}

# A device that loses power at a random point of each step, check and start alike, until the
# update is through; then it must complete.
chain() {
  local cycle call ord boot_kills=0
  use "$fresh"
  for cycle in 1 2 3 4 5 6 7 8; do
    updated && break
    pick check_points
    where="chain $1, cycle $cycle: a kill in check at ${picked:-none}"
    if [ -n "$picked" ]; then
      read -r call ord <<<"$picked"
      killed "$call" "$ord" "$sim" check "$dev" "$repo" "$now" || true
    else
      check
    fi
    reboot
    # Twice at most per chain: each start of a trial takes one of its
    # KEEL_UPDATE_BOOT_ATTEMPTS (3), and the third must get through.
    pick boot_points
    if [ -n "$picked" ] && [ "$boot_kills" -lt 2 ]; then
      read -r call ord <<<"$picked"
      where="chain $1, cycle $cycle: a kill in the start at $call #$ord"
      if killed "$call" "$ord" "$sim" boot "$dev"; then
        boot_kills=$((boot_kills + 1))
        reboot
      fi
    fi
    boot
  done
  where="chain $1"
  complete
}

# Worker ID of JOBS: its share of the single points, then chains until it has made its
# share of the kills. Each works on its own device copy.
worker() {
  local id=$1 i chains=0 single step call ord
  dev=$work/dev-$id
  log=$work/log-$id
  RANDOM=$((seed + id))
  for ((i = id; i < ${#singles[@]}; i += jobs)); do
    read -r step call ord <<<"${singles[i]}"
    kill_once "$step" "$call" "$ord"
  done
  single=$kills
  while [ "$kills" -lt $(((kills_wanted + jobs - 1) / jobs)) ]; do
    chains=$((chains + 1))
    chain "$id.$chains"
  done
  # Once complete, the device stays so: nothing more to install.
  where="the last chain"
  case $("$sim" check "$dev" "$repo" "$now" 2>>"$log") in
    "check: nothing"*) ;;
    *) fail "a check after the completed update did not find the device up to date" ;;
  esac
  echo "$kills $single $chains" >"$work/result-$id"
}

# Workers side by side, each on its own copy of the device (KEEL_POWERLOSS_JOBS, default
# the number of processors).
jobs=${KEEL_POWERLOSS_JOBS:-$(nproc)}
pids=()
for ((w = 0; w < jobs; w++)); do
  worker "$w" &
  pids+=($!)
done
for ((w = 0; w < jobs; w++)); do
  if ! wait -n; then
    kill "${pids[@]}" 2>/dev/null || true # one failure is the verdict: stop the others
    exit 1
  fi
done
kills=0 single=0 chains=0
for ((w = 0; w < jobs; w++)); do
  read -r k s c <"$work/result-$w"
  kills=$((kills + k)) single=$((single + s)) chains=$((chains + c))
done
echo "power loss: $kills kills in $jobs workers: $single at points of a clean run" \
  "($((${#singles[@]} - ${#boot_points[@]})) of the check's ${#check_points[@]}, all" \
  "${#boot_points[@]} of the start's), $((kills - single))" \
  "in $chains chains of random power cuts; every start came up on a verified slot and every" \
  "update completed, in $((SECONDS - start)) s (seed $seed)"
