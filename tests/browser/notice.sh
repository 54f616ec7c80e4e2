#!/bin/bash
# The owner's update notice in a real browser (5.3-11, 5.3-12, 5.3-4B, 5.3-6): a device is
# provisioned and flashed with release 1.0.0 (`keel flash`) from a repository kept with
# `keel release` and served by nginx over HTTPS with its own CA; keeld checks it every 2 s.
# The owner sets the device up (curl) with automatic installs off; only then is 1.0.1
# published, with its notice: what it fixes, the risks it closes, and that installing
# interrupts the lock for 120 s. keeld finds it and, with automatic installs off, waits for
# the owner. keeld is restarted with its daily check (the owner's choice must survive a
# restart, and no check then installs behind the browser's back), and notice.mjs logs in on
# the setup page in Debian's headless Chromium: the lock's page shows the waiting update with
# its version, fixes, risks and the interruption in plain words; the owner turns automatic
# installs on and postpones them on the page (a day, then a week instead). With the
# repository stopped, the owner presses "install now": the page follows the lock's check and
# says it could not reach the update service. Then the device itself is asked, with curl,
# whether the page's choices took. The install and the reboot into 1.0.1 are keeld_update's
# part, not this test's.
#
# Every screenshot must exist and show something; they are kept in
# $KEEL_BUILD_DIR/tests/browser/notice-screenshots/ for a person to look at.
#
# Skipped (exit 77) only when Chromium or playwright-core is not installed, saying which.
set -euo pipefail
. "$KEEL_SOURCE_DIR/tests/browser/lib.sh"

. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/update_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
dev=$work/dev
model=keel-lock
shots=$work/screenshots
keep=$KEEL_BUILD_DIR/tests/browser/notice-screenshots
rm -rf "$keep"
mkdir -p "$keep"

# The notice of 1.0.1. The risks hold characters that HTML would take as markup: the page
# must show them as typed.
fixes="A wrong PIN code typed right after the lock restarted was not counted towards the"
fixes+=" keypad's lockout."
risks="Someone at the door could try PIN codes <faster> than the lockout allows by cutting"
risks+=" the power & restoring it."
interrupts=120

# --- the repository: keys, nginx over HTTPS with its own CA ---------------------------------
update_repo_serve

# count PATTERN: how many lines of this run of keeld match.
count() { grep -c -- "$1" "$work/keeld.run" || true; }
# wait_log PATTERN [SECONDS] [N]: until this run of keeld has logged PATTERN N times (1).
wait_log() {
  local tries=$((${2:-30} * 10)) n=${3:-1}
  while [ "$(count "$1")" -lt "$n" ]; do
    kill -0 "$keeld_pid" 2>/dev/null || keeld_fail "keeld stopped while waiting for '$1'"
    [ "$tries" -gt 0 ] || keeld_fail "no '$1' (${n}x) in keeld's log"
    sleep 0.1
    tries=$((tries - 1))
  done
}
# no_install: keeld still runs and installed nothing.
no_install() {
  kill -0 "$keeld_pid" 2>/dev/null || keeld_fail "keeld stopped ($1)"
  [ "$(count 'update installed')" -eq 0 ] || keeld_fail "keeld installed an update ($1)"
  [ "$(count 'event=update.installed')" -eq 0 ] || keeld_fail "keeld installed an update ($1)"
}
repo_args=(--web "$KEEL_SOURCE_DIR/web/setup" --update "https://127.0.0.1:$rport"
           --update-ca "$work/repo-ca/ca.pem")

# --- the factory: provision, flash 1.0.0 into slot a -----------------------------------------
update_release 1.0.0 1 "The first release." "None: the first release." 30
keeld_provision "$dev" "$work/label" --model "$model"
label=$(field password "$work/label")
[ -n "$label" ] || keeld_fail "no password on the label"
update_flash "$dev" "$model-1.0.0.tar"
keeld_start "$dev" "${repo_args[@]}" --update-interval 2
wait_log "integrity: slot a holds $model-1.0.0.tar" 10
wait_log "event=update.nothing" 15
echo "ok: the flashed device verifies slot a and finds nothing newer than 1.0.0"

# --- the owner sets the device up, automatic installs off -------------------------------------
owner="blue harbour kettle 47"
token=$(login "$label")
r=$(call POST /api/v1/password -H "Authorization: Bearer $token" \
  -d "$(password_body "$label" "$owner")")
expect "setup: the owner's password" "${r%% *}" 204
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
r=$(call POST /api/v1/setup "${auth[@]}" -d '{"auto_install":false,"data_processing":false}')
expect "setup: the choices, automatic installs off" "${r%% *}" 204
r=$(call GET /api/v1/update "${auth[@]}")
expect "the device's settings after setup" \
  "$(jq -c '[.auto_install, .waiting_for_setup, .state]' "$work/body")" '[false,false,"nothing"]'
echo "ok: the device is set up with automatic installs off"

# --- 1.0.1 is published while keeld runs; it waits for the owner -----------------------------
update_release 1.0.1 2 "$fixes" "$risks" "$interrupts"
wait_log "event=update.available target=$model-1.0.1.tar" 15
wait_log "event=update.available target=$model-1.0.1.tar" 15 3 # two more checks
no_install "automatic installs are off"
r=$(call GET /api/v1/update "${auth[@]}")
[[ $r =~ ^200\  ]] || keeld_fail "GET /api/v1/update: $r"
expect "the notice (device)" "$(jq -c '[.state, .auto_install, .target.version,
  .target.interrupts_function, .target.interruption_seconds]' "$work/body")" \
  "[\"available\",false,\"1.0.1\",true,$interrupts]"
expect "what 1.0.1 fixes (device)" "$(jq -r .target.fixes "$work/body")" "$fixes"
expect "the risks 1.0.1 closes (device)" "$(jq -r .target.risks_mitigated "$work/body")" "$risks"
echo "ok: 1.0.1, published after keeld started, is found and waits: three checks, no install"

# --- restarted with a daily check: the choice holds, and no check runs behind the browser ----
keeld_stop TERM
keeld_start "$dev" "${repo_args[@]}"
wait_log "event=update.available target=$model-1.0.1.tar" 15
no_install "after the restart"
echo "ok: after a restart keeld still waits for the owner"
# The page's "install now" is tried with the update service gone: nothing can be installed.
harness_stop "$nginx_pid" || true

# --- the lock's page in Chromium ---------------------------------------------------------------
if ! node "$here/notice.mjs" "$url" "$owner" "$shots" 1.0.1 "$fixes" "$risks" "$interrupts" \
     >"$work/browser.log" 2>&1; then
  cat "$work/browser.log"
  cp "$shots"/*.png "$keep/" 2>/dev/null || true
  keeld_fail "the browser test failed (above; screenshots so far in $keep)"
fi
cat "$work/browser.log"
cp "$shots"/*.png "$keep/" 2>/dev/null || true

# --- the device's word on what the owner chose on the page --------------------------------------
no_install "after the owner's choices"
token=$(login "$owner")
auth=(-H "Authorization: Bearer $token")
r=$(call GET /api/v1/update "${auth[@]}")
[[ $r =~ ^200\  ]] || keeld_fail "GET /api/v1/update: $r"
now=$(date +%s)
expect "automatic installs after the page (device)" "$(jq -c .auto_install "$work/body")" true
until=$(jq -r .postponed_until "$work/body")
week=$((7 * 86400))
if [ "$until" -le $((now + week - 300)) ] || [ "$until" -gt $((now + week)) ]; then
  keeld_fail "postponed until $until, expected a week after about $now"
fi
expect "the install asked for on the page (device)" "$(jq -c '[.state, .error]' "$work/body")" \
  '["refused","the update repository cannot be reached or refused the request"]'
grep -q 'event=update.refused' "$work/keeld.run" ||
  keeld_fail "no update.refused event after the page's install now"
grep -q 'event=setup.completed auto_install=1' "$work/keeld.run" ||
  keeld_fail "no setup.completed event with automatic installs on from the page"
grep -q 'event=update.settings auto_install=1' "$work/keeld.run" ||
  keeld_fail "no update.settings event from the page's postponement"
r=$(call GET /api/v1/security "${auth[@]}")
expect "automatic_updates check (device)" \
  "$(jq -c '.checks[] | select(.id == "automatic_updates") | .ok' "$work/body")" true
echo "ok: the device holds the page's choices: automatic installs on, postponed by a week;"
echo "    its install now found the update service unreachable and installed nothing"

# --- a screenshot of every step, each a real picture --------------------------------------------
expected=(01-login 02-notice 03-notice-card 04-auto-on 05-postponed 06-install-unreachable)
for name in "${expected[@]}"; do
  f=$shots/$name.png
  [ -s "$f" ] || keeld_fail "screenshot $name.png is missing or empty"
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    keeld_fail "screenshot $name.png is not a PNG"
  size=$(stat -c %s "$f")
  [ "$size" -gt 10000 ] || keeld_fail "screenshot $name.png has $size bytes: nothing rendered"
done
[ "$(find "$shots" -name '*.png' | wc -l)" -eq "${#expected[@]}" ] ||
  keeld_fail "screenshots other than the expected ones: $(ls "$shots")"
keeld_stop TERM
echo "ok: ${#expected[@]} screenshots, kept in $keep"
