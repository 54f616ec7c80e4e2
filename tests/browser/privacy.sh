#!/bin/bash
# The owner's privacy through the setup page in a real browser (6-1, 6-2, 6-3A, 6-3B, 5.11-1,
# 5.11-2, 5.11-4): a device is provisioned and keeld starts on loopback with its cloud link to
# mosquitto (mutual TLS, tests/integration/mqtt_lib.sh); privacy.mjs drives the page in
# Debian's headless Chromium (playwright-core): setup with the lock's privacy notice next to
# the optional processing, consent granted and withdrawn with its records, "Download my data",
# a deletion request to the maker's service that is pending and then confirmed, and the
# factory reset. When keeld exits after the reset with KEELD_EXIT_REBOOT (75), as it asks the
# system to restart it, this script restarts it on the same port, and the page must come back
# to the first setup page by itself.
#
# Then the device itself is asked: the notice the page showed is the inventory file byte for
# byte, the deletion request went out over MQTT with the id the page showed, keeld is in the
# factory state (the label password logs in, the owner's does not), and no byte of the PIN
# name typed in the browser is left in the data directory. Every screenshot must exist and
# show something; they are kept in $KEEL_BUILD_DIR/tests/browser/privacy-screenshots/.
#
# Skipped (exit 77) only when Chromium or playwright-core is not installed, saying which.
set -euo pipefail
. "$KEEL_SOURCE_DIR/tests/browser/lib.sh"

. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
owner="blue harbour kettle 47"
inventory=$KEEL_SOURCE_DIR/data/privacy/keeld-inventory.json
shots=$work/screenshots
keep=$KEEL_BUILD_DIR/tests/browser/privacy-screenshots
rm -rf "$keep"
mkdir -p "$keep"
keep_shots() { cp "$shots"/*.png "$keep/" 2>/dev/null || true; }

# --- the device and its broker ---------------------------------------------------------------
keeld_provision "$work/dev" "$work/label"
label=$(field password "$work/label")
[ -n "$label" ] || keeld_fail "no password on the label"
serial=$(jq -r .serial "$work/dev/identity.json")
mqtt_pki_ca "$work/cloud" "keel test cloud CA"
mqtt_pki_leaf "$work/cloud" "$work/broker-id" broker serverAuth "DNS:broker.keel.test,IP:127.0.0.1"
mqtt_pki_leaf "$work/cloud" "$work/cloud-user" cloud clientAuth
cat "$work/ca/ca.pem" "$work/cloud/ca.pem" >"$work/clients-ca.pem"
mqtt_broker_start "$work/clients-ca.pem" "$work/broker-id.pem" "$work/broker-id.key"
cloud_ca=$work/cloud/ca.pem
mqtt_watch "$cloud_ca" "$work/cloud-user" "keel/$serial/privacy/#" "$work/cloud.out"
mqtt_wait_line "$work/mosquitto.log" "as cloud|u'cloud'" 10 ||
  keeld_fail "the cloud subscriber did not connect: $(cat "$work/mosquitto.log")"
cat >"$work/confirm.sh" <<SH
#!/bin/bash
# confirm.sh REQUEST ITEMS: the maker's service confirms that it deleted ITEMS for REQUEST,
# as a service does: only once the request itself has reached it over MQTT (keeld sends it
# within one round of its link thread, so the page can be faster than the request).
for _ in \$(seq 100); do
  grep -q "^keel/$serial/privacy/delete .*\$1" "$work/cloud.out" && break
  sleep 0.1
done
grep -q "^keel/$serial/privacy/delete .*\$1" "$work/cloud.out" || {
  echo "confirm.sh: deletion request \$1 never reached the service" >&2
  exit 1
}
exec mosquitto_pub -h 127.0.0.1 -p $mqtt_port --cafile "$cloud_ca" --cert "$work/cloud-user.pem" \\
  --key "$work/cloud-user.key" -t "keel/$serial/privacy/deleted" -q 1 \\
  -m "{\"request\":\"\$1\",\"items\":\$2}"
SH
chmod +x "$work/confirm.sh"

keeld_args=(--web "$KEEL_SOURCE_DIR/web/setup" --mqtt "127.0.0.1:$mqtt_port"
            --mqtt-ca "$cloud_ca" --mqtt-name broker.keel.test)
keeld_start "$work/dev" "${keeld_args[@]}"
harness_wait_for "$work/keeld.run" "cloud: connected to 127.0.0.1:$mqtt_port" 15 "$keeld_pid" ||
  keeld_fail "keeld did not connect to the broker"

# The notice the page makes its words from is the inventory, byte for byte.
curl -sk --max-time 10 "$url/api/v1/privacy" >"$work/notice.json" ||
  keeld_fail "GET /api/v1/privacy failed"
cmp -s "$work/notice.json" "$inventory" ||
  keeld_fail "GET /api/v1/privacy is not data/privacy/keeld-inventory.json byte for byte"

# --- the page, with keeld restarted when the reset makes it exit -----------------------------
started=$(date +%s)
node "$here/privacy.mjs" "$url" "$label" "$owner" "$shots" "$inventory" "$work/confirm.sh" \
  "$work/keel-export.json" >"$work/browser.log" 2>&1 &
node_pid=$!
restarted=0
while kill -0 "$node_pid" 2>/dev/null; do
  if [ "$restarted" = 0 ] && ! kill -0 "$keeld_pid" 2>/dev/null; then
    status=0
    wait "$keeld_pid" || status=$?
    [ "$status" = 75 ] || {
      kill "$node_pid" 2>/dev/null || true
      keeld_fail "keeld exited with $status during the browser test, not 75 (KEELD_EXIT_REBOOT)"
    }
    cat "$work/keeld.run" >>"$work/keeld.log"
    keeld_start "$work/dev" "${keeld_args[@]}" # $port is kept: the page reloads nothing
    restarted=1
  fi
  sleep 0.1
done
browser_status=0
wait "$node_pid" || browser_status=$?
cat "$work/browser.log"
keep_shots
[ "$browser_status" = 0 ] ||
  keeld_fail "the browser test failed (above; screenshots so far in $keep)"
[ "$restarted" = 1 ] || keeld_fail "keeld never exited for the factory reset"
echo "ok: the browser's part took $(($(date +%s) - started)) s, keeld restarted once (exit 75)"

# --- the device's word -------------------------------------------------------------------------
jq -e '.format == "keel-export-1" and any(.pins[]; .name == "Ilse Canary")' \
  "$work/keel-export.json" >/dev/null || keeld_fail "the saved export lacks the PIN's name"
request=$(sed -n "s|^keel/$serial/privacy/delete ||p" "$work/cloud.out" | jq -r .request | sort -u)
[[ $request =~ ^[0-9a-f]{32}$ ]] ||
  keeld_fail "the deletion request on MQTT: '$request' ($(cat "$work/cloud.out"))"
grep -q "request ${request:0:8}\.\.\. shows" "$work/browser.log" ||
  keeld_fail "the page showed another request than the one on MQTT ($request)"
r=$(call GET /api/v1/device)
[[ $r =~ ^200\  ]] || keeld_fail "GET /api/v1/device after the reset: $r"
expect "state after the reset" "$(jq -r .state "$work/body")" factory
expect "the owner's password after the reset" \
  "$(call POST /api/v1/login -d "$(login_body "$owner")" | cut -d' ' -f1)" 401
token=$(login "$label")
[ -n "$token" ] || keeld_fail "the label password does not log in after the reset"
if grep -rlaF "Ilse Canary" "$work/dev" >"$work/found" 2>/dev/null; then
  keeld_fail "the PIN name typed in the browser is still in $(cat "$work/found")"
fi
grep -q "event=factory_reset" "$work/keeld.log" ||
  keeld_fail "no factory_reset in keeld's log"
echo "ok: the device is in the factory state: the label password logs in, the owner's does not;"
echo "    the deletion request $request went out over MQTT; the PIN name is gone from $work/dev"

# --- a screenshot of every step, each a real picture --------------------------------------------
expected=(01-notice 02-consent-granted 03-consent-records 04-export 05-cloud-pending
          06-cloud-confirmed 07-reset-refused 08-erased 09-factory-again)
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
