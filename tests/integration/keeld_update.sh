#!/usr/bin/env bash
# The reference device updated end to end (5.3-2, 5.3-9, 5.3-10, 5.7-1, 5.7-2): a repository
# kept with `keel release` and served by nginx over HTTPS, a device provisioned and flashed
# with `keel flash`, keeld checking on its own. A good build is installed into the other
# slot, tried, confirmed; a build that cannot start is given up by the bootloader and the
# device runs the previous slot; a build whose trial cannot reach the repository is rejected
# by keeld's health check; a slot changed on flash puts keeld into restricted mode.
#
# The bootloader is the file backend's model of it (agent_sim reboot), and "booting" a slot
# means unpacking its image (a tar holding bin/keeld) and running that keeld.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$(dirname "$0")/keeld_lib.sh"
. "$(dirname "$0")/update_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
sim=${KEEL_AGENT_SIM:?KEEL_AGENT_SIM must name agent_sim}
[ -x "$sim" ] || keeld_fail "no $sim (build first)"
dev=$work/dev
model=keel-lock

# --- the repository: keys, nginx over HTTPS with its own CA ---------------------------------
update_repo_serve

# release VERSION SV GOOD|BAD: an image (a tar with bin/keeld) published as a new target; a
# BAD one holds a keeld that cannot start.
release() {
  local bin=$KEELD_BIN
  if [ "$3" = BAD ]; then
    bin=$work/keeld-bad-$1
    printf '#!/bin/sh\necho "keeld: this build cannot start" >&2\nexit 70\n' >"$bin"
    chmod 755 "$bin"
  fi
  update_release "$1" "$2" "fixes of $1" "risks closed by $1" 30 "$bin"
}

env_of() { sed -n "s/^keel_$1=//p" "$dev/bootenv"; }

# boot: the bootloader picks a slot; the slot's keeld is unpacked and started. Sets booted.
boot() {
  "$sim" reboot "$dev" >/dev/null || keeld_fail "the simulated bootloader refused the environment"
  harness_keeld_owns "$dev" # the bootloader ran as root; keeld writes the environment as keel
  booted=$(env_of booted)
  rm -rf "$work/root" && mkdir "$work/root"
  tar -xf "$dev/slot-$booted" -C "$work/root" || keeld_fail "slot $booted does not unpack"
}
run_slot() { # start the booted slot's keeld and wait until it serves
  KEELD_BIN=$work/root/bin/keeld keeld_start "$dev" --update "https://127.0.0.1:$rport" \
    --update-ca "$work/repo-ca/ca.pem" --update-interval 2
}
# wait_exit SECONDS: wait until keeld stops by itself; its exit status in exit_rc. (Not in a
# command substitution: only this shell can wait for its child.)
wait_exit() {
  local tries=$(($1 * 10))
  while kill -0 "$keeld_pid" 2>/dev/null && [ "$tries" -gt 0 ]; do sleep 0.1; tries=$((tries - 1)); done
  kill -0 "$keeld_pid" 2>/dev/null && keeld_fail "keeld did not stop by itself"
  exit_rc=0
  wait "$keeld_pid" || exit_rc=$?
  cat "$work/keeld.run" >>"$work/keeld.log"
}
wait_log() { harness_wait_for "$work/keeld.run" "$1" "${2:-30}" "$keeld_pid" >/dev/null 2>&1 ||
  keeld_fail "no '$1' in keeld's log"; }

# --- the factory: provision, flash 1.0.0 into slot a ----------------------------------------
release 1.0.0 1 GOOD
keeld_provision "$dev" "$work/label" --model "$model"
pw=$(field password "$work/label")
update_flash "$dev" "$model-1.0.0.tar"
booted=a
rm -rf "$work/root" && mkdir "$work/root" && tar -xf "$dev/slot-a" -C "$work/root"
run_slot
wait_log "integrity: slot a holds $model-1.0.0.tar"
wait_log "event=update.nothing"
echo "ok: the flashed device verifies slot a at start and finds nothing newer"

# --- before setup a newer release is only announced (5.3-4A) ---------------------------------
release 2.0.0 2 GOOD
wait_log "event=update.available target=$model-2.0.0.tar"
kill -0 "$keeld_pid" 2>/dev/null || keeld_fail "keeld installed before the owner set it up"
token=$(login "$pw")
# 5.12-1: until the owner sets their password, the label's session reaches only setup
expect "the notice waits for setup" "$(call GET /api/v1/update -H "Authorization: Bearer $token")" \
  '403 {"error":"setup required"}'
newpw="the owner's own passphrase 42"
r=$(call POST /api/v1/password -H "Authorization: Bearer $token" -d "$(password_body "$pw" "$newpw")")
expect "setup: the owner's password" "${r%% *}" 204
pw=$newpw
echo "ok: before setup 2.0.0 is announced to the owner, not installed"

# --- the owner's controls (5.3-4B): automatic installs off, then on again -------------------
token=$(login "$pw")
r=$(call POST /api/v1/update/settings -H "Authorization: Bearer $token" -d '{"auto_install":false}')
expect "automatic installs off" "${r%% *} $(jq -c .auto_install "$work/body")" "200 false"
seen=$(grep -c "event=update.available" "$work/keeld.run")
tries=300
while [ "$(grep -c "event=update.available" "$work/keeld.run")" -le "$seen" ] && [ $tries -gt 0 ]; do
  sleep 0.1; tries=$((tries - 1))
done
kill -0 "$keeld_pid" 2>/dev/null || keeld_fail "keeld installed with automatic installs off"
[ "$(grep -c "event=update.available" "$work/keeld.run")" -gt "$seen" ] ||
  keeld_fail "no further check with automatic installs off"
r=$(call GET /api/v1/update -H "Authorization: Bearer $token")
expect "the owner's notice" "$(jq -c '[.state, .waiting_for_setup, .target.version]' \
  "$work/body")" '["available",false,"2.0.0"]'
r=$(call POST /api/v1/update/settings -H "Authorization: Bearer $token" -d '{"auto_install":true}')
expect "automatic installs on" "${r%% *} $(jq -c .auto_install "$work/body")" "200 true"
echo "ok: with automatic installs off the owner is told, not updated; switched on again"

# --- a good update: installed into b, tried, confirmed ----------------------------------------
wait_exit 60
expect "keeld's exit after installing 2.0.0" "$exit_rc" 75
grep -q "update installed: slot b holds $model-2.0.0.tar" "$work/keeld.log" ||
  keeld_fail "no install of 2.0.0 into slot b"
expect "trial requested" "$(env_of trial)" b
boot
expect "the bootloader tries slot b" "$booted" b
run_slot
wait_log "update confirmed: slot b holds $model-2.0.0.tar"
expect "slot b is primary" "$(env_of primary)" b
expect "no trial left" "$(env_of trial)" ""
token=$(login "$pw")
r=$(call GET /api/v1/update -H "Authorization: Bearer $token")
[[ $r =~ ^200\  ]] || keeld_fail "GET /api/v1/update: $r"
expect "the owner's notice: state" "$(jq -r .state "$work/body")" confirmed
expect "the owner's notice: fixes (5.3-11)" "$(jq -r .target.fixes "$work/body")" "fixes of 2.0.0"
expect "the owner's notice: interruption (5.3-12)" \
  "$(jq -r .target.interruption_seconds "$work/body")" 30
keeld_stop
echo "ok: 2.0.0 installed into slot b, tried and confirmed; the owner sees its notice"

# --- a build that cannot start: the bootloader gives up, the device runs slot b -------------
booted=b
rm -rf "$work/root" && mkdir "$work/root" && tar -xf "$dev/slot-b" -C "$work/root"
run_slot
release 3.0.0 3 BAD
wait_exit 60
expect "keeld's exit after installing 3.0.0" "$exit_rc" 75
expect "trial requested" "$(env_of trial)" a
for attempt in 1 2 3; do
  boot
  expect "attempt $attempt boots the trial" "$booted" a
  rc=0
  "$work/root/bin/keeld" --data "$dev" >/dev/null 2>&1 || rc=$?
  expect "the broken build exits" "$rc" 70
done
boot
expect "after three failed attempts the bootloader falls back" "$booted" b
run_slot
wait_log "event=update.rolled-back target=$model-3.0.0.tar"
wait_log "integrity: slot b holds $model-2.0.0.tar"
# the rejected build is not installed again
sleep 6
grep -q "update installed" "$work/keeld.run" && keeld_fail "the rejected 3.0.0 was installed again"
expect "slot b stays primary" "$(env_of primary)" b
echo "ok: 3.0.0 never started; the bootloader fell back to slot b and keeld did not retry it"

# --- a trial that cannot reach the repository: rejected by the health check -----------------
release 4.0.0 4 GOOD
wait_exit 60
expect "keeld's exit after installing 4.0.0" "$exit_rc" 75
harness_stop "$nginx_pid" >/dev/null 2>&1 || true
boot
expect "the bootloader tries slot a" "$booted" a
run_slot
wait_exit 60
expect "keeld's exit after the failed health check" "$exit_rc" 75
grep -q "the trial boot failed its health check" "$work/keeld.log" ||
  keeld_fail "no failed health check in the log"
boot
expect "the rejected trial falls back at once" "$booted" b
update_nginx_up
run_slot
wait_log "event=update.rolled-back target=$model-4.0.0.tar"
expect "slot b stays primary" "$(env_of primary)" b
keeld_stop
echo "ok: 4.0.0's trial could not reach the repository, was rejected, and slot b runs again"

# --- software changed on flash: restricted mode (5.7-1, 5.7-2) ------------------------------
printf 'X' | dd of="$dev/slot-b" bs=1 seek=100 conv=notrunc status=none
run_slot
wait_log "integrity check failed on slot b"
r=$(call GET /api/v1/status)
expect "status in restricted mode" "${r%% *}" 503
expect "the alert" "$(jq -r .alert "$work/body")" integrity
r=$(call POST /api/v1/login -d "$(login_body "$pw")")
expect "login in restricted mode" "${r%% *}" 503
keeld_stop
echo "ok: a changed slot b is detected at start; keeld serves only the alert"
