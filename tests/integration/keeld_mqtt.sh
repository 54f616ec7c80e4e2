#!/bin/bash
# keeld's cloud link (5.5-1, 5.5-7, 5.8-2) against a real mosquitto broker: the device,
# its identity key in a TPM (swtpm), connects over mutual TLS and publishes its retained
# status; the broker's ACL keeps each device to its own topics; clients without a
# certificate or with one from another CA are refused; keeld with the wrong CA or broker
# name does not connect, says why, and still serves HTTPS; the link comes back by itself
# after the broker restarts, and without a broker keeld serves and retries; the cloud sees
# the device go offline on a clean stop and through the will on a crash.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$KEEL_SOURCE_DIR/tests/integration/mqtt_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

# Device A on a TPM; the manufacturer CA in $work/ca issued its identity certificate.
harness_swtpm "$work/tpm" || keeld_fail "swtpm does not start"
spec="tpm2:$harness_tcti"
keeld_provision "$work/dev" "$work/label" --rot "$spec"
pw=$(field password "$work/label")
serial=$(jq -r .serial "$work/dev/identity.json")
cn=$(openssl x509 -in "$work/dev/identity-cert.pem" -noout -subject -nameopt multiline |
  sed -n 's/^ *commonName *= *//p')
[ "$cn" = "$serial" ] || keeld_fail "identity certificate CN '$cn' is not the serial '$serial'"
harness_keeld_owns "$work/dev"

# The cloud's CA issues the broker's certificate and the cloud's own client certificate;
# device B's certificate comes from the manufacturer CA; a rogue CA issues one claiming A.
mqtt_pki_ca "$work/cloud" "keel test cloud CA"
mqtt_pki_ca "$work/rogue" "rogue CA"
mqtt_pki_leaf "$work/cloud" "$work/broker-id" broker serverAuth \
  "DNS:broker.keel.test,IP:127.0.0.1"
mqtt_pki_leaf "$work/cloud" "$work/cloud-user" cloud clientAuth
mqtt_pki_leaf "$work/ca" "$work/dev-b" KLTESTDEVICEB clientAuth
mqtt_pki_leaf "$work/rogue" "$work/rogue-a" "$serial" clientAuth
cat "$work/ca/ca.pem" "$work/cloud/ca.pem" >"$work/clients-ca.pem"
mqtt_broker_start "$work/clients-ca.pem" "$work/broker-id.pem" "$work/broker-id.key"
cloud_ca=$work/cloud/ca.pem

mqtt_watch "$cloud_ca" "$work/cloud-user" 'keel/#' "$work/cloud.out"
mqtt_wait_line "$work/mosquitto.log" "as cloud|u'cloud'" 10 ||
  keeld_fail "the cloud subscriber did not connect: $(cat "$work/cloud.out" "$work/mosquitto.log")"

# (a) keeld connects over mutual TLS with its TPM key; the cloud sees its retained status.
keeld_start "$work/dev" --rot "$spec" --mqtt "127.0.0.1:$mqtt_port" --mqtt-ca "$cloud_ca" \
  --mqtt-name broker.keel.test
harness_wait_for "$work/keeld.run" "cloud: connected to 127.0.0.1:$mqtt_port" 15 "$keeld_pid" ||
  keeld_fail "keeld did not connect: $(cat "$work/mosquitto.log")"
mqtt_wait_line "$work/cloud.out" "^keel/$serial/status \{\"state\":\"online\",\"model\":\"[^\"]+\",\"firmware_version\":\"[^\"]+\"\}$" 10 ||
  keeld_fail "no online status at the cloud: $(cat "$work/cloud.out")"
grep -q "u'$serial'" "$work/mosquitto.log" || keeld_fail "the broker did not see A's identity"
token=$(login "$pw")
[ -n "$token" ] || keeld_fail "no login while the link runs"
echo "ok: (a) keeld on the TPM key connected over mutual TLS; the cloud sees its retained status"

# (b) Device B can read and write its own topics, not A's.
mqtt_tls_args "$cloud_ca" "$work/dev-b"
out=$(mosquitto_sub "${tls_args[@]}" -t "keel/$serial/#" -v -C 1 -W 3 2>/dev/null || true)
[ -z "$out" ] || keeld_fail "device B read A's topic: $out"
mqtt_put "$cloud_ca" "$work/dev-b" "keel/$serial/status" '{"state":"forged"}'
mqtt_put "$cloud_ca" "$work/dev-b" "keel/KLTESTDEVICEB/status" '{"state":"b-online"}'
mqtt_wait_line "$work/cloud.out" '^keel/KLTESTDEVICEB/status \{"state":"b-online"\}$' 10 ||
  keeld_fail "B's own publish did not reach the cloud: $(cat "$work/cloud.out")"
mqtt_tls_args "$cloud_ca" "$work/dev-b"
own=$(mosquitto_sub "${tls_args[@]}" -t "keel/KLTESTDEVICEB/#" -v -C 1 -W 5 2>/dev/null || true)
[ "$own" = 'keel/KLTESTDEVICEB/status {"state":"b-online"}' ] ||
  keeld_fail "device B cannot read its own topic: '$own'"
grep -q forged "$work/cloud.out" && keeld_fail "B wrote A's topic: $(cat "$work/cloud.out")"
mqtt_tls_args "$cloud_ca" "$work/cloud-user"
retained=$(mosquitto_sub "${tls_args[@]}" -t "keel/$serial/status" -C 1 -W 5 2>/dev/null || true)
[[ $retained = *'"state":"online"'* ]] || keeld_fail "A's retained status is now '$retained'"
echo "ok: (b) device B reads and writes only keel/KLTESTDEVICEB/, not A's topics"

# (c) no client certificate, (d) a certificate from another CA (claiming A's serial).
for who in none rogue; do
  base=""
  [ $who = none ] || base=$work/rogue-a
  mqtt_tls_args "$cloud_ca" "$base"
  rc=0
  out=$(mosquitto_sub "${tls_args[@]}" -t 'keel/#' -v -C 1 -W 3 2>&1) || rc=$?
  [ $rc -ne 0 ] && [[ $out != *keel/* ]] || keeld_fail "client ($who) was not refused: $rc $out"
done
echo "ok: (c) a client without a certificate and (d) one from another CA are refused"

# The broker goes away and comes back: keeld notices, backs off and reconnects by itself.
harness_stop "$mqtt_pid" || true
harness_wait_for "$work/keeld.run" "cloud: (lost the link|no link) to 127.0.0.1:$mqtt_port" 10 \
  "$keeld_pid" || keeld_fail "keeld did not notice the broker going away"
harness_start "$work/mosquitto2.log" mosquitto -c "$work/broker/mosquitto.conf"
mqtt_pid=$harness_last_pid
harness_wait_port "$mqtt_port" 10 || keeld_fail "mosquitto does not restart"
for _ in $(seq 150); do
  [ "$(grep -c "cloud: connected to 127.0.0.1:$mqtt_port" "$work/keeld.run")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c "cloud: connected to 127.0.0.1:$mqtt_port" "$work/keeld.run")" -ge 2 ] ||
  keeld_fail "keeld did not reconnect to the restarted broker"
mqtt_tls_args "$cloud_ca" "$work/cloud-user"
retained=$(mosquitto_sub "${tls_args[@]}" -t "keel/$serial/status" -C 1 -W 5 2>/dev/null || true)
[[ $retained = *'"state":"online"'* ]] || keeld_fail "no status after reconnecting: '$retained'"
cat "$work/mosquitto2.log" >>"$work/mosquitto.log"
echo "ok: keeld reconnects by itself when the broker comes back"

# (f) a clean stop: keeld says offline itself (the retained state changes).
keeld_stop
mqtt_wait_line "$work/cloud.out" "^keel/$serial/status \{\"state\":\"offline\"\}$" 10 ||
  keeld_fail "no offline status after a clean stop: $(cat "$work/cloud.out")"
grep -q "cloud: disconnected from 127.0.0.1:$mqtt_port" "$work/keeld.log" ||
  keeld_fail "keeld did not log its goodbye"
# ... and a crash: the broker publishes the will.
keeld_start "$work/dev" --rot "$spec" --mqtt "127.0.0.1:$mqtt_port" --mqtt-ca "$cloud_ca" \
  --mqtt-name broker.keel.test
harness_wait_for "$work/keeld.run" "cloud: connected to" 15 "$keeld_pid" ||
  keeld_fail "keeld did not connect again"
mqtt_wait_line "$work/cloud.out" "online.*" 5
offline_before=$(grep -c '"state":"offline"' "$work/cloud.out" || true)
online_count=$(grep -c '"state":"online"' "$work/cloud.out" || true)
[ "$online_count" -ge 2 ] || mqtt_wait_line "$work/cloud.out" "online" 1
keeld_stop KILL
for _ in $(seq 100); do
  [ "$(grep -c '"state":"offline"' "$work/cloud.out" || true)" -gt "$offline_before" ] && break
  sleep 0.1
done
[ "$(grep -c '"state":"offline"' "$work/cloud.out" || true)" -gt "$offline_before" ] ||
  keeld_fail "no will after keeld was killed: $(cat "$work/cloud.out")"
echo "ok: (f) the cloud sees offline on a clean stop and through the will on a crash"

# (e) the wrong CA or the wrong broker name: no connection, the reason logged, HTTPS works.
online_before=$(grep -c '"state":"online"' "$work/cloud.out" || true)
for bad in ca name; do
  if [ $bad = ca ]; then
    args=(--mqtt-ca "$work/rogue/ca.pem" --mqtt-name broker.keel.test)
    why="tls: server certificate refused at depth [01]: (self-signed certificate in certificate chain|unable to get local issuer certificate)"
  else
    args=(--mqtt-ca "$cloud_ca" --mqtt-name other.keel.test)
    why="tls: server certificate refused at depth 0: [Hh]ostname mismatch"
  fi
  keeld_start "$work/dev" --rot "$spec" --mqtt "127.0.0.1:$mqtt_port" "${args[@]}"
  harness_wait_for "$work/keeld.run" "$why" 15 "$keeld_pid" ||
    keeld_fail "wrong $bad: no reason logged"
  harness_wait_for "$work/keeld.run" "cloud: no link to 127.0.0.1:$mqtt_port .*retrying in" 5 \
    "$keeld_pid" || keeld_fail "wrong $bad: no retry logged"
  token=$(login "$pw")
  [ -n "$token" ] || keeld_fail "wrong $bad: HTTPS login failed"
  grep -q "cloud: connected" "$work/keeld.run" && keeld_fail "wrong $bad: keeld connected"
  keeld_stop
  [ "$(grep -c '"state":"online"' "$work/cloud.out" || true)" -eq "$online_before" ] ||
    keeld_fail "wrong $bad: a status arrived"
done
echo "ok: (e) the wrong CA or broker name: no link, the reason logged, HTTPS login still works"

# No broker at all: keeld serves at once, retries in the background, and stops promptly.
port_pick
keeld_start "$work/dev" --rot "$spec" --mqtt "127.0.0.1:$picked" --mqtt-ca "$cloud_ca"
harness_wait_for "$work/keeld.run" "cloud: no link to 127.0.0.1:$picked .*retrying in" 10 \
  "$keeld_pid" || keeld_fail "no retry logged for an absent broker"
token=$(login "$pw")
[ -n "$token" ] || keeld_fail "HTTPS login failed without a broker"
started=$SECONDS
keeld_stop
[ $((SECONDS - started)) -le 3 ] || keeld_fail "keeld took $((SECONDS - started)) s to stop"
echo "ok: without a broker keeld serves HTTPS, retries with back-off and stops promptly"
