#!/bin/bash
# keel monitor against a fleet (5.10-1): a real mosquitto with TLS and client certificates on
# loopback, keel monitor on a shared subscription, and 1000 simulated devices (fleet_sim:
# distinct pseudonyms, carried over 20 connections) sending ordinary traffic with attacks
# injected on known devices: brute-force bursts, firmware outside the expected list, a
# firmware downgrade, an integrity failure, a reconnection storm, a rate spike and a
# password-guessing campaign spread thinly over 300 devices. Checked:
#   - every injected anomaly is flagged, with the right kind and the right device (recall);
#   - no clean device is flagged, and no attacked device for a kind not injected;
#   - each alert once per device and kind per window (a burst makes one line, not fifteen);
#   - the alerts also reach the alert topic, one message each;
#   - malformed messages and a QoS 1 repeat are counted, not fatal, not counted as events;
#   - the alerts carry no personal data and nothing of the topic (6-4);
#   - a broker restart is survived: the monitor reconnects and subscribes again by itself;
#   - SIGTERM stops the monitor cleanly and its counters are written.
# Recall and false positives are printed. About 30 s.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/monitor/monitor_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
sim=${KEEL_FLEET_SIM:?KEEL_FLEET_SIM must name the fleet_sim binary}
window=5 # seconds: the scenario is laid out in windows, so that it fits in half a minute

fail() {
  echo "FAIL: $*"
  for f in mon.log sim.out mosquitto.log; do
    [ -f "$work/$f" ] && tail -20 "$work/$f" | sed "s|^|  $f: |"
  done
  exit 1
}

monitor_pki "$work/pki"
monitor_broker_start "$work/pki"
mqtt_tls_args "$work/pki/ca.pem" "$work/pki/ops"
harness_start "$work/alerts.mqtt" mosquitto_sub "${tls_args[@]}" -i ops -q 1 -t keel/alerts
ops_pid=$harness_last_pid
monitor_start mon "$work/pki" --group keel-test --firmware 1.0.0,1.1.0 --window "$window"

# The broker restarts before the fleet comes: the monitor must come back by itself (capped,
# jittered back-off) and subscribe again; everything below runs on the new session.
harness_stop "$mqtt_pid" || true
harness_start "$work/mosquitto-2.log" mosquitto -c "$work/broker/mosquitto.conf"
mqtt_pid=$harness_last_pid
harness_wait_port "$mqtt_port" 10 || fail "mosquitto does not restart"
for _ in $(seq 150); do
  [ "$(grep -c "monitor: subscribed to " "$work/mon.log")" -ge 2 ] &&
    grep -q "u'ops'" "$work/mosquitto-2.log" && break
  sleep 0.1
done
[ "$(grep -c "monitor: subscribed to " "$work/mon.log")" -ge 2 ] ||
  fail "keel monitor did not subscribe again within 15 s of the broker's restart"
grep -q "u'ops'" "$work/mosquitto-2.log" || fail "the alert watcher did not reconnect"
grep -q "monitor: lost the link to 127.0.0.1:$mqtt_port" "$work/mon.log" ||
  fail "keel monitor did not notice the broker going"
sleep 0.3 # the watcher's subscription follows its connection
fleet_sim_args "$work/pki"
start=$SECONDS
"$sim" "${sim_args[@]}" --devices 1000 --connections 20 --window "$window" \
  --truth "$work/truth" >"$work/sim.out" 2>&1 || fail "fleet_sim failed: $(cat "$work/sim.out")"
sleep 1 # the last events' way through the broker
rc=0
harness_stop "$monitor_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "keel monitor did not stop cleanly on SIGTERM (status $rc)"
[ -s "$work/mon.stats" ] || fail "keel monitor wrote no --stats"
sleep 0.5
harness_stop "$ops_pid" || true
echo "the fleet ran for $((SECONDS - start)) s"

# --- counters -------------------------------------------------------------------------------
published=$(sed -n 's/^published //p' "$work/sim.out")
stat() { jq -r ".$1" "$work/mon.stats"; }
[ "$(stat messages)" = "$published" ] ||
  fail "the monitor received $(stat messages) messages, the broker acknowledged $published"
[ "$(stat malformed)" = "$(sed -n 's/^malformed //p' "$work/truth")" ] ||
  fail "malformed: counted $(stat malformed), sent $(sed -n 's/^malformed //p' "$work/truth")"
[ "$(stat duplicates)" = "$(sed -n 's/^duplicates //p' "$work/truth")" ] ||
  fail "repeats: counted $(stat duplicates), sent $(sed -n 's/^duplicates //p' "$work/truth")"
[ "$(stat devices)" = 1000 ] || fail "the monitor knows $(stat devices) devices, not 1000"
[ "$(stat events)" = $((published - $(stat malformed) - $(stat duplicates))) ] ||
  fail "events $(stat events) is not messages less malformed and repeats"
logged=$(grep -c "refused a malformed event" "$work/mon.log" || true)
if [ "$logged" -lt 1 ] || [ "$logged" -gt 3 ]; then
  fail "$logged log lines for 5 malformed messages (once per device or window expected)"
fi

# --- alerts ---------------------------------------------------------------------------------
alerts=$work/mon.alerts
[ -s "$alerts" ] || fail "no alert at all"
jq -e -s 'all(.[]; keys == ["count","detail","device","kind","time"])' "$alerts" >/dev/null ||
  fail "an alert is not {time, device, kind, detail, count}: $(head -3 "$alerts")"
jq -r 'select(.device != null) | "\(.kind) \(.device)"' "$alerts" | sort >"$work/flagged"
jq -r 'select(.device == null) | "\(.kind) \(.detail | split(":")[0])"' "$alerts" |
  sort -u >"$work/flagged-fleet"
sed -n 's/^expect //p' "$work/truth" | grep -v '^fleet_rate ' | sort >"$work/injected"
sed -n 's/^expect //p' "$work/truth" | grep '^fleet_rate ' | sort >"$work/injected-fleet"
sed -n 's/^device //p' "$work/truth" | sort >"$work/fleet"
awk '{print $2}' "$work/injected" | sort -u >"$work/attacked"
comm -23 "$work/fleet" "$work/attacked" >"$work/clean"

injected=$(($(wc -l <"$work/injected") + $(wc -l <"$work/injected-fleet")))
found=$(($(sort -u "$work/flagged" | comm -12 - "$work/injected" | wc -l) +
         $(comm -12 "$work/flagged-fleet" "$work/injected-fleet" | wc -l)))
missed=$(sort -u "$work/flagged" | comm -13 - "$work/injected"; comm -13 "$work/flagged-fleet" "$work/injected-fleet")
false_devices=$(awk '{print $2}' "$work/flagged" | sort -u | comm -12 - "$work/clean" | wc -l)
extra=$(sort -u "$work/flagged" | comm -23 - "$work/injected"; comm -23 "$work/flagged-fleet" "$work/injected-fleet")
clean=$(wc -l <"$work/clean")
echo "injected anomalies: $injected ($(wc -l <"$work/injected") on devices, $(wc -l <"$work/injected-fleet") fleet-wide)"
echo "recall: $found of $injected flagged with the right kind and device ($((100 * found / injected)) %)"
echo "false positives: $false_devices of $clean clean devices flagged; alerts beyond the injected: $(printf '%s' "$extra" | grep -c . || true)"
jq -r '"  \(.kind) \(.device // "fleet") \(.count): \(.detail)"' "$alerts"
[ -z "$missed" ] || fail "not flagged: $missed"
[ "$false_devices" -eq 0 ] || fail "clean devices flagged: $(awk '{print $2}' "$work/flagged" | sort -u | comm -12 - "$work/clean")"
[ -z "$extra" ] || fail "alerts that were not injected: $extra"

# once per device and kind per window: a burst of 15 failures makes one alert; a device that
# keeps reporting odd firmware makes one per window at most (the fleet ran ~4 windows)
worst=$(uniq -c "$work/flagged" | sort -rn | head -1 | awk '{print $1}')
[ "$worst" -le 4 ] || fail "an alert repeated $worst times: $(uniq -c "$work/flagged" | sort -rn | head -3)"
for d in $(awk '$1 == "brute_force" {print $2}' "$work/injected"); do
  [ "$(grep -c "^brute_force $d\$" "$work/flagged")" -eq 1 ] ||
    fail "the brute-force burst on $d was not flagged exactly once"
done

# every alert also went to the alert topic
[ "$(wc -l <"$work/alerts.mqtt")" -eq "$(wc -l <"$alerts")" ] ||
  fail "$(wc -l <"$work/alerts.mqtt") alerts on keel/alerts, $(wc -l <"$alerts") written"
diff <(jq -c -S . "$work/alerts.mqtt" | sort) <(jq -c -S . "$alerts" | sort) >/dev/null ||
  fail "the alerts on keel/alerts differ from those written"

# nothing personal and nothing of the topic in the alerts (6-4)
if grep -Eq 'Alice|SIMGW|SN-0001' "$alerts"; then
  fail "an alert carries a name, a topic or a serial"
fi
echo "ok: every injected anomaly flagged ($found of $injected), no clean device flagged," \
  "$(stat malformed) malformed and $(stat duplicates) repeated messages counted, not fatal"
