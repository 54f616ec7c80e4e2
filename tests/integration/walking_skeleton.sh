#!/bin/bash
# The walking skeleton end to end: provision a device, start keeld alone in a network
# namespace, audit it, and check the report's verdicts and shape for both versions of
# EN 303 645. Then stop keeld and audit again: the same checks must now come out otherwise,
# so the verdicts come from the live device and not from the report writer.
#
# Live checks on keeld: 5.1-1, 5.1-5, 5.5-1, 5.6-1 PASS; 5.1-4 PASS with --password, the
# owner's, set through the API after the label's (5.12-1) (the audit changes the password:
# the second run uses new-password.txt);
# 5.1-2 PASS on a batch from `keel provision --count 20`; 5.4-3 PASS on an installed tree
# of this build (without bin/keel, the auditor) and FAIL on a development device's data
# directory, where the file root of trust and the HTTPS key are plain PEM files. keeld runs
# here on that development file root of trust, and says so in its status: with --password,
# 5.4-1-2 FAILs (keys kept in files), the only failure, so the audit exits 3 (scripts/demo
# runs keeld on swtpm, where 5.4-1 passes).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
port=8443

fail() { echo "FAIL: $*"; exit 1; }
# 5.6-7 and 5.6-8: the installed tree's file modes and its programs' NX, PIE and RELRO (white-box;
# its 5.1-1-3 is N/A: the tree defines no accounts, which leaves 5.1-1-2's PASS standing).
checked_base="5.1-1 5.1-2 5.1-4 5.1-5 5.4-3 5.5-1 5.5-4 5.5-5 5.6-1 5.6-2 5.6-7 5.6-8"
# verdict FILE ID: the verdict of one provision in a report.
verdict() { jq -r --arg id "$2" '.provisions[] | select(.id == $id) | .verdict' "$1"; }

field() { sed -n "s/^$1: *//p" "$2"; }

mkdir -p "$work/ca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7300 \
  -keyout "$work/ca/ca.key" -out "$work/ca/ca.pem" -subj "/CN=skeleton manufacturer CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
ca=(--ca-cert "$work/ca/ca.pem" --ca-key "$work/ca/ca.key")
"$KEEL_BIN" provision --out "$work/device" "${ca[@]}" --label "$work/label.txt" >/dev/null 2>&1 ||
  fail "provision"
harness_keeld_owns "$work/device" || fail "cannot give the device directory to keeld's account"
"$KEEL_BIN" provision --out "$work/batch" "${ca[@]}" --count 20 >/dev/null 2>&1 ||
  fail "provision --count 20"
cmake --install "$KEEL_BUILD_DIR" --prefix "$work/installed" >/dev/null
rm "$work/installed/bin/keel" # the auditor, not device software: it embeds the dictionary
password=$(field password "$work/label.txt")
[ -n "$password" ] || fail "no password on the label"
harness_netns_up "keel-skel-$$"
harness_start "$work/keeld.log" "$KEELD_BIN" --data "$work/device" --listen 127.0.0.1 --port $port
keeld_pid=$harness_last_pid
harness_wait_for "$work/keeld.log" "keeld: listening on 127.0.0.1:$port" 20 "$keeld_pid"
# The device's declared interfaces and routes, as its IXIT gives them to the assessor.
# completed with what keeld's documentation declares (docs/conformance/keeld-ixit.json: the
# routes' inputs, security.txt, where the support period and model are published).
"$KEELD_BIN" --describe --listen 127.0.0.1 --port $port |
  jq --slurpfile x "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.json" --argjson outage null \
    -f "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.jq" >"$work/ixit.json"
# Its owner has set it up (5.12-1): until then the label password reaches only the setup
# routes, and the status the audit reads answers 403. The audit is given the owner's password.
token=$(harness_in_ns curl -sk --max-time 10 -d "$(jq -cn --arg p "$password" '{password: $p}')" \
  "https://127.0.0.1:$port/api/v1/login" | jq -r .token)
own="the skeleton owner's passphrase"
[ "$(harness_in_ns curl -sk --max-time 10 -o /dev/null -w '%{http_code}' \
  -H "Authorization: Bearer $token" -d "$(jq -cn --arg c "$password" --arg n "$own" '{current: $c, new: $n}')" \
  "https://127.0.0.1:$port/api/v1/password")" = 204 ] || fail "the owner's password was not set"
password=$own

for version in 3.1.3 2.1.1; do
  # The development root of trust (5.4-1), and the development build installed as the
  # firmware (the debug-interface provision: 5.6-4A in V3.1.3, 5.6-4 in V2.1.1).
  if [ $version = 3.1.3 ]; then failing="5.4-1 5.6-4A"; else failing="5.4-1 5.6-4"; fi
  # 5.2-1, 5.3-13, 5.3-16 and the malformed-input campaign are judged from the device; 5.9-2
  # needs a way to cut the cloud link that this test gives no IXIT (INCONCLUSIVE, not PASS).
  if [ $version = 3.1.3 ]; then input=5.13-1B; else input=5.13-1; fi
  checked="$checked_base 5.2-1 5.3-13 5.3-16 $input"
  # The IXIT's personal data, telemetry and sensing pass their conceptual test cases (-1); the
  # functional privacy ones need the broker's view, a data tree and a service this test does
  # not give (INCONCLUSIVE: nothing is reset).
  conceptual="5.8-3 5.10-1 6-1 6-2 6-4 6-5"
  # The design tables of the IXIT (auth, update, security parameters, communication, input)
  # pass the conceptual test cases that are the only ones of their provisions here.
  conceptual="$conceptual 5.1-3 5.3-3 5.3-7 5.3-8 5.3-9 5.3-10 5.4-2 5.4-4 5.5-7 5.5-8 5.8-2"
  if [ $version = 3.1.3 ]; then conceptual="$conceptual 5.13-1A 6-3B 6-6"; fi
  if [ $version = 3.1.3 ]; then consent=6-3A; else consent=6-3; fi
  # No ICS is given: the conceptual test case of 5.0-1 (4-1) says so (INCONCLUSIVE).
  if [ $version = 3.1.3 ]; then ics=5.0-1; else ics=4-1; fi
  inconclusive="5.9-2 5.11-1 5.11-2 5.11-4 $consent $ics"
  out=$work/audit-$version
  rc=0
  harness_in_ns "$KEEL_BIN" audit --target 127.0.0.1:$port --version $version \
    --format json,html --out "$out" --password - --labels "$work/batch/labels" \
    --firmware "$work/installed" --ixit "$work/ixit.json" <<<"$password" >"$work/audit-$version.log" 2>&1 || rc=$?
  # 5.1-4-2 changed the password: the next run logs in with the new one.
  [ -s "$out/new-password.txt" ] || fail "V$version: no new-password.txt"
  [ "$(stat -c %a "$out/new-password.txt")" = 600 ] || fail "V$version: new-password.txt mode"
  ! grep -qF "$password" "$out/report.json" || fail "V$version: a password is in the report"
  password=$(cat "$out/new-password.txt")
  ! grep -qF "$password" "$out/report.json" || fail "V$version: the new password is in the report"
  [ $rc -eq 3 ] || { cat "$work/audit-$version.log"; fail "audit of keeld exited $rc for V$version, not 3 ($failing FAIL)"; }
  r=$out/report.json
  [ -s "$out/report.html" ] || fail "no report.html for V$version"
  "$KEEL_BIN" catalog --version $version --format json >"$work/catalog-$version.json"
  total=$(jq '.count' "$work/catalog-$version.json")
  mandatory=$(jq '.mandatory' "$work/catalog-$version.json")

  # The stable shape of the report (issue: later issues extend it, never break it).
  jq -e --arg v $version --arg t 127.0.0.1:$port '
      .standard == "ETSI EN 303 645" and .version == $v and .target == $t
      and (.generated | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
      and (.provisions | type == "array")
      and all(.provisions[]; has("id") and has("status") and has("verdict") and has("tests")
              and (.verdict | IN("PASS", "FAIL", "N/A", "INCONCLUSIVE", "NOT TESTED")))' \
      "$r" >/dev/null || fail "report shape for V$version"
  [ "$(jq '.provisions | length' "$r")" -eq "$total" ] || fail "V$version: not every provision listed"
  [ "$(jq '[.provisions[].id] | unique | length' "$r")" -eq "$total" ] || fail "V$version: duplicate ids"
  [ "$(jq '.summary.all.total' "$r")" -eq "$total" ] || fail "V$version: summary total"
  [ "$(jq '.summary.mandatory.total' "$r")" -eq "$mandatory" ] || fail "V$version: mandatory total"
  # The summary counts agree with the rows.
  for v in PASS FAIL N/A INCONCLUSIVE "NOT TESTED"; do
    rows=$(jq --arg v "$v" '[.provisions[] | select(.verdict == $v)] | length' "$r")
    [ "$(jq --arg v "$v" '.summary.all[$v]' "$r")" -eq "$rows" ] || fail "V$version: summary of $v"
  done

  # Every check passes on keeld, each through its TS 103 701 functional test case.
  for id in $checked; do
    [ "$(verdict "$r" $id)" = PASS ] || { jq --arg id $id '.provisions[] | select(.id == $id)' "$r"; fail "V$version $id not PASS"; }
    jq -e --arg id $id '.provisions[] | select(.id == $id) | .tests[] |
        select(.id == ($id + "-2") and .kind == "functional" and .verdict == "PASS"
               and (.evidence | length) > 0)' "$r" >/dev/null || fail "V$version $id-2 missing or without evidence"
  done
  for id in $conceptual; do
    jq -e --arg id $id '.provisions[] | select(.id == $id) | .verdict == "PASS" and (.tests | length) == 1
        and (.tests[0] | .id == ($id + "-1") and .kind == "conceptual")' "$r" >/dev/null ||
      fail "V$version $id is not PASS by its conceptual test case"
  done
  # keeld on the file backend: 5.4-1-2 FAILs on what the device reports, the development
  # build FAILs the debug-interface provision, and nothing else does.
  for id in $failing; do
    [ "$(verdict "$r" $id)" = FAIL ] || fail "V$version $id is $(verdict "$r" $id), not FAIL"
  done
  jq -e --arg id "${failing#* }" '.provisions[] | select(.id == $id) | .tests[0].evidence
         | any(test("keel development build"))' "$r" >/dev/null ||
    fail "V$version ${failing#* }: the development build is not named"
  jq -e '.provisions[] | select(.id == "5.4-1") | (.tests | length) == 1 and (.tests[0]
         | .id == "5.4-1-2" and .kind == "functional" and .verdict == "FAIL" and (.evidence
         | any(. == "the device keeps its keys in files (development root of trust): 5.4-1 needs them in protected storage")))' \
    "$r" >/dev/null || fail "V$version 5.4-1-2 missing or without its evidence"
  [ "$(jq '.summary.all.FAIL' "$r")" -eq 2 ] || fail "V$version: another provision FAILs"
  grep -q "^result: 2 mandatory provision(s) FAIL$" "$work/audit-$version.log" || fail "V$version: result line"
  # What no check covers yet is NOT TESTED, never PASS by default.
  for id in $inconclusive; do
    [ "$(verdict "$r" $id)" = INCONCLUSIVE ] || fail "V$version $id is $(verdict "$r" $id), not INCONCLUSIVE"
  done
  jq -e --arg ids "$checked $conceptual $failing $inconclusive" '[.provisions[] | select(.id as $i | $ids | split(" ") | index($i) | not)]
         | all(.verdict == "NOT TESTED" and (.tests | length) == 0)' "$r" >/dev/null || {
    jq -c --arg ids "$checked $conceptual $failing $inconclusive" '.provisions[] | select(.id as $i | $ids | split(" ") | index($i) | not)
         | select(.verdict != "NOT TESTED") | [.id, .verdict, [.tests[] | .id, .verdict, .evidence[0]]]' "$r"
    fail "V$version: a provision without a check has a verdict"; }
  grep -q "TLS 1.0: refused" "$r" || fail "V$version: TLS 1.0 probe evidence missing"
  jq -e '.provisions[] | select(.id == "5.1-1") | .tests[] | select(.id == "5.1-1-2") | .evidence
         | any(. == "batch of 20 labels: every device has its own password")' "$r" >/dev/null ||
    fail "V$version: 5.1-1-2 without the batch's uniqueness"
  n=$(($(echo $checked $conceptual | wc -w)))
  ni=$(($(echo $inconclusive | wc -w)))
  echo "ok: V$version report of keeld: $n PASS, 2 FAIL ($failing), $ni INCONCLUSIVE ($inconclusive), $((total - n - 2 - ni)) NOT TESTED, shape and summary agree"
done

# Without its inputs a white-box test case has no verdict; 5.1-4-2 says it needs one. A
# development device's data directory holds plain PEM keys: 5.4-3-2 finds them.
rc=0
harness_in_ns "$KEEL_BIN" audit --target 127.0.0.1:$port --format json --out "$work/devdata" \
  --firmware "$work/device" >"$work/devdata.log" 2>&1 || rc=$?
[ $rc -eq 3 ] || { cat "$work/devdata.log"; fail "audit of the development data directory exited $rc"; }
r=$work/devdata/report.json
[ "$(verdict "$r" 5.4-3)" = FAIL ] || fail "5.4-3 on a development data directory is $(verdict "$r" 5.4-3)"
jq -e '.provisions[] | select(.id == "5.4-3") | .tests[0].evidence
       | any(test("^device-key.pem: offset 0: PEM block .PRIVATE KEY. [(]SHA-256 [0-9a-f]{16}[)]$"))' \
  "$r" >/dev/null || fail "5.4-3: the HTTPS key of the development device is not named"
[ "$(verdict "$r" 5.1-2)" = "NOT TESTED" ] || fail "5.1-2 without --labels has a verdict"
[ "$(verdict "$r" 5.1-4)" = INCONCLUSIVE ] || fail "5.1-4 without --password is $(verdict "$r" 5.1-4)"
[ "$(verdict "$r" 5.4-1)" = "NOT TESTED" ] || fail "5.4-1 without --password is $(verdict "$r" 5.4-1)"
echo "ok: 5.4-3-2 finds the plain PEM keys of a development device's data directory"

harness_stop "$keeld_pid" || fail "keeld did not exit cleanly on SIGTERM"
rc=0
harness_in_ns "$KEEL_BIN" audit --target 127.0.0.1:$port --format json --out "$work/gone" \
  >"$work/gone.log" 2>&1 || rc=$?
[ $rc -eq 3 ] || { cat "$work/gone.log"; fail "audit of a stopped device exited $rc, not 3"; }
r=$work/gone/report.json
[ "$(verdict "$r" 5.5-1)" = FAIL ] || fail "5.5-1 with no TLS service is $(verdict "$r" 5.5-1)"
[ "$(verdict "$r" 5.6-1)" = INCONCLUSIVE ] || fail "5.6-1 with the declared port closed is $(verdict "$r" 5.6-1)"
[ "$(verdict "$r" 5.1-1)" = INCONCLUSIVE ] || fail "5.1-1 with no login service is $(verdict "$r" 5.1-1)"
echo "ok: with keeld stopped the same checks report FAIL / INCONCLUSIVE and the audit exits 3"
