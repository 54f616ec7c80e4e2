#!/bin/bash
# First-run setup through the setup page in a real browser (5.12-1, 5.12-2, 5.12-3): a device
# is provisioned, keeld starts on loopback, and setup.mjs drives the page in Debian's headless
# Chromium through playwright-core (tests/browser/package.json, installed by scripts/bootstrap).
# Then the device itself is asked, with curl, whether setup took: it is initialised, the
# label password no longer logs in, the owner's does, and the last choice holds. A second
# device is set up with "Skip" on the choices: nothing is sent and the secure defaults stand,
# and a second page left at the label step meanwhile learns that the lock is already set up.
# Every step's screenshot must exist and show something; they are kept in
# $KEEL_BUILD_DIR/tests/browser/setup-screenshots/ for a person to look at.
#
# Skipped (exit 77) only when Chromium or playwright-core is not installed, saying which.
set -euo pipefail
. "$KEEL_SOURCE_DIR/tests/browser/lib.sh"

. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
new="blue harbour kettle 47"
shots=$work/screenshots
keep=$KEEL_BUILD_DIR/tests/browser/setup-screenshots
rm -rf "$keep"
mkdir -p "$keep"

# The screenshots are kept whatever the outcome: a failure is easier to read with them.
keep_shots() { cp "$shots"/*.png "$keep/" 2>/dev/null || true; }

# browser LABEL_PASSWORD MODE: setup.mjs against the keeld at $url.
browser() {
  if ! node "$here/setup.mjs" "$url" "$1" "$new" "$shots" "$2" >"$work/browser.log" 2>&1; then
    cat "$work/browser.log"
    keep_shots
    keeld_fail "the browser test failed (above; screenshots so far in $keep)"
  fi
  cat "$work/browser.log"
  keep_shots
  kill -0 "$keeld_pid" 2>/dev/null || keeld_fail "keeld is gone after the browser test"
}

# check_of ID FIELD: the field of check ID in the GET /api/v1/security answer in $work/body.
check_of() { jq -r --arg id "$1" ".checks[] | select(.id == \$id) | .$2" "$work/body"; }

# --- the whole setup, its mistakes and the lock's page ------------------------------------
keeld_provision "$work/dev" "$work/label"
label=$(field password "$work/label")
[ -n "$label" ] || keeld_fail "no password on the label"
keeld_start "$work/dev" --web "$KEEL_SOURCE_DIR/web/setup"
browser "$label" full

# The device's own word, not the page's.
expect "the label password after setup" "$(call POST /api/v1/login -d "$(login_body "$label")")" \
  '401 {"error":"unauthorized"}'
token=$(login "$new")
auth=(-H "Authorization: Bearer $token")
r=$(call GET /api/v1/status "${auth[@]}")
[[ $r =~ ^200\  ]] || keeld_fail "status: $r"
expect "state after setup" "$(jq -r .state "$work/body")" initialised
r=$(call GET /api/v1/security "${auth[@]}")
[[ $r =~ ^200\  ]] || keeld_fail "security: $r"
expect "owner_password check" "$(check_of owner_password ok)" true
expect "data_processing as last chosen" "$(check_of data_processing detail | grep -cw off)" 1
grep -q 'event=setup.completed auto_install=1 data_processing=1' "$work/keeld.run" ||
  keeld_fail "no setup.completed event with the choices made during setup"
expect "PIN codes after the page removed its one" "$(call GET /api/v1/pins "${auth[@]}")" \
  '200 {"pins":[]}'
echo "ok: the device is initialised, the label password no longer logs in, the owner's does"

# --- a second device, set up with "Skip" on the choices -----------------------------------
keeld_stop
keeld_provision "$work/dev2" "$work/label2"
keeld_start "$work/dev2" --web "$KEEL_SOURCE_DIR/web/setup"
# This one proves possession with the text of its label's QR code, as a phone's camera reads
# it (zbarimg decodes the printed PNG), pasted where the password goes.
command -v zbarimg >/dev/null || keeld_fail "zbarimg is not installed (scripts/bootstrap)"
qr=$(zbarimg --raw -q "$work/label2.png" 2>/dev/null) || keeld_fail "the label's QR code cannot be read"
[[ $qr == "keel:setup?"*"&pw=$(field password "$work/label2")&"* ]] ||
  keeld_fail "the QR code does not hold this label's password"
browser "$qr" skip
token=$(login "$new")
auth=(-H "Authorization: Bearer $token")
r=$(call GET /api/v1/security "${auth[@]}")
[[ $r =~ ^200\  ]] || keeld_fail "security: $r"
expect "owner_password check after skipping" "$(check_of owner_password ok)" true
expect "data_processing after skipping" "$(check_of data_processing detail | grep -cw off)" 1
grep -q 'event=setup.completed' "$work/keeld.run" && keeld_fail "skipping sent the choices"
echo "ok: skipping the choices sends nothing and leaves the secure defaults"

# --- a screenshot of every step, each a real picture --------------------------------------
expected=(01-welcome 02-label-wrong 03-label-wait 04-password 05-password-weak 06-choices
          07-done 08-state 09-pins 10-login 11-state-again 12-skip-done 13-already-set-up)
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
echo "ok: ${#expected[@]} screenshots, kept in $keep"
