#!/usr/bin/env bash
# The data inventory (data/privacy/keeld-inventory.json) and everything made from it
# (6-1, 6-5, 5.8-3): it follows its schema and scripts/privacy-doc's checks, it says what the
# code does (the telemetry fields are keel/events.h's event, the consent purposes and the
# access log's retention are apps/keeld/lock.h's), the documents it points to have the
# sections it names, docs/privacy.md is exactly what scripts/privacy-doc makes of it, and
# docs/conformance/keeld-ixit.jq makes the IXIT's personal_data, telemetry and sensing from the
# inventory keeld prints. Broken copies of the inventory must be refused, each naming its
# problem, so that a broken inventory fails make check.
set -euo pipefail
: "${KEEL_SOURCE_DIR:?}"
src=$KEEL_SOURCE_DIR
inv=$src/data/privacy/keeld-inventory.json
schema=$src/data/schemas/privacy-inventory.schema.json
gen=$src/scripts/privacy-doc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# --- structure: the schema (JSON Schema 2020-12) and the generator's own checks -------------
# validate FILE: 0 when FILE follows the schema; the validator's message on stdout otherwise.
validate() {
  /usr/bin/python3 - "$schema" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))),
                key=lambda e: list(e.absolute_path))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message[:200])
sys.exit(1 if errors else 0)
PY
}
out=$(validate "$inv") || fail "the inventory does not follow its schema: $out"
"$gen" --check "$inv" || fail "scripts/privacy-doc --check refuses the inventory"
echo "ok: the inventory follows data/schemas/privacy-inventory.schema.json and privacy-doc's checks"

# broken NAME EXPECT SCHEMA JQ: the inventory changed by JQ must be refused by privacy-doc
# with a message holding EXPECT, and by the schema too when SCHEMA is "schema" (checked below).
broken() {
  local name=$1 expect=$2 by=$3 filter=$4 msg status=0
  jq "$filter" "$inv" >"$work/$name.json"
  msg=$("$gen" --check "$work/$name.json" 2>&1) || status=$?
  [ "$status" -eq 1 ] || fail "$name: privacy-doc --check exited $status: $msg"
  grep -qF -- "$expect" <<<"$msg" || fail "$name: privacy-doc said '$msg', not '$expect'"
  "$gen" "$work/$name.json" >"$work/$name.md" 2>/dev/null && fail "$name: a page was made"
  [ ! -s "$work/$name.md" ] || fail "$name: privacy-doc printed a page for a broken inventory"
  [ "$by" != schema ] || schema_broken+=("$work/$name.json")
}
schema_broken=()
broken no-retention "data[3]: missing retention" schema 'del(.data[3].retention)'
broken days-text "data[3].retention_days: not a whole number" schema '.data[3].retention_days = "90"'
broken sealed-text "data[0].sealed: not true or false" schema '.data[0].sealed = "yes"'
broken basis "data[1].legal_basis: not contract, consent" schema '.data[1].legal_basis = "vital"'
broken unknown-member "data[2]: unknown member owner" schema '.data[2].owner = "x"'
broken unknown-purpose 'consent_purpose "marketing" is not a consent purpose' no \
  '(.data[] | select(.id == "access_log_sync") | .consent_purpose) = "marketing"'
broken consent-without-purpose "legal basis consent without a consent_purpose" schema \
  '(.data[] | select(.id == "access_log_sync") | .consent_purpose) = null'
broken purpose-without-consent 'a consent_purpose with the legal basis contract' schema \
  '(.data[] | select(.id == "pin_names") | .consent_purpose) = "access_log_sync"'
broken unused-consent "consent analytics: no datum depends on it" no \
  '.consent += [.consent[0] | .purpose = "analytics"]'
broken default-on "consent[0].default: not false" schema '.consent[0].default = true'
broken personal-telemetry "telemetry.fields[6].personal: not false" schema \
  '.telemetry.fields[6].personal = true'
broken duplicate-id "data ids: access_log twice" no '.data[4].id = "access_log"'
broken newline "data[0].purpose: not a non-empty line" schema '.data[0].purpose = "a\nb"'
broken long-text "data[0].stored: not a non-empty line of at most 511" schema \
  '.data[0].stored = ("x" * 512)'
broken long-recipient "data[5].recipients: not an array of texts of at most 127" schema \
  '.data[5].recipients = ["y" * 128]'
broken no-data "inventory.data: not a non-empty array" schema '.data = []'
broken bad-link "sensing[0].documented_in: not docs/FILE.md" schema \
  '.sensing[0].documented_in = "https://example.com/"'
broken no-telemetry "inventory: missing telemetry" schema 'del(.telemetry)'
# The schema refuses each of those it should (one validator run for them all).
/usr/bin/python3 - "$schema" "${schema_broken[@]}" <<'PY' || fail "the schema accepts broken inventories"
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
accepted = [f for f in sys.argv[2:] if v.is_valid(json.load(open(f)))]
for f in accepted:
    print("FAIL: the schema accepts " + f)
sys.exit(1 if accepted or len(sys.argv) < 3 else 0)
PY
printf '{"format":' >"$work/truncated.json"
msg=$("$gen" --check "$work/truncated.json" 2>&1) && fail "a truncated inventory is accepted"
grep -q "is not JSON" <<<"$msg" || fail "a truncated inventory: '$msg'"
echo "ok: 19 broken inventories are refused, each naming its problem"

# --- the inventory says what the code does ---------------------------------------------------
# The telemetry fields are the members of keel/events.h's struct keel_event, in order.
members=$(sed -n '/^typedef struct keel_event {/,/^} keel_event;/p' "$src/include/keel/events.h" |
  sed -nE 's/^ *[a-z_0-9]+ +([a-z_]+)(\[[^]]*\])?;.*/\1/p' | paste -sd, -)
[ -n "$members" ] || fail "no members read from struct keel_event in include/keel/events.h"
fields=$(jq -r '[.telemetry.fields[].name] | join(",")' "$inv")
[ "$fields" = "$members" ] ||
  fail "telemetry fields ($fields) are not keel/events.h's event members ($members)"
# The consent purposes are lock.h's KEELD_CONSENT_* names.
purposes=$(sed -nE 's/^#define KEELD_CONSENT_[A-Z_]+ "([a-z_]+)".*/\1/p' "$src/apps/keeld/lock.h" |
  sort | paste -sd, -)
[ -n "$purposes" ] || fail "no KEELD_CONSENT_* purpose read from apps/keeld/lock.h"
declared=$(jq -r '[.consent[].purpose] | sort | join(",")' "$inv")
[ "$declared" = "$purposes" ] ||
  fail "consent purposes ($declared) are not apps/keeld/lock.h's ($purposes)"
# The access log's retention is KEELD_LOG_RETENTION_DEFAULT_S.
product=$(sed -nE 's/^#define KEELD_LOG_RETENTION_DEFAULT_S \(([0-9]+)LL \* ([0-9]+)LL\).*/\1*\2/p' \
  "$src/apps/keeld/lock.h")
[ -n "$product" ] || fail "KEELD_LOG_RETENTION_DEFAULT_S not read from apps/keeld/lock.h"
seconds=$((product))
days=$(jq -r '[.data[] | select(.id == "access_log" or .id == "access_log_who")
  | .retention_days] | unique | join(",")' "$inv")
[ "$days" = "$((seconds / 86400))" ] ||
  fail "the access log's retention_days ($days) is not KEELD_LOG_RETENTION_DEFAULT_S ($seconds s)"
echo "ok: telemetry fields = struct keel_event ($members); consent = $purposes;" \
  "access log kept $days days"

# --- every document and section the inventory, the IXIT and docs/privacy.md point to exists --
# slugs FILE: the anchors of FILE's headings (as GitHub makes them) and its <a id> anchors.
slugs() {
  sed -nE 's/^#{1,6} +(.*)$/\1/p' "$1" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
  sed -nE 's/.*<a id="([a-z0-9-]+)"><\/a>.*/\1/p' "$1"
}
# resolve LINK: docs/FILE.md[#anchor] exists.
resolve() {
  local file=${1%%#*} anchor=
  [[ $1 == *"#"* ]] && anchor=${1#*#}
  [ -f "$src/$file" ] || fail "$1: no $file"
  [ -z "$anchor" ] || slugs "$src/$file" | grep -x -- "$anchor" >/dev/null || fail "$1: no section #$anchor"
}
links=$(jq -r '.sensing[].documented_in' "$inv"
  jq -r '.deletion.instructions, .user_info.documents[].path' \
    "$src/docs/conformance/keeld-ixit.json"
  grep -ohE '\]\((privacy|user-guide)\.md(#[a-z0-9-]+)?\)' "$src/docs/privacy.md" \
    "$src/docs/user-guide.md" | sed -E 's/^\]\(/docs\//; s/\)$//')
n=0
while IFS= read -r link; do
  resolve "$link"
  n=$((n + 1))
done < <(sort -u <<<"$links")
echo "ok: the $n documents and sections named by the inventory, the IXIT, docs/privacy.md and" \
  "docs/user-guide.md exist"

# --- docs/privacy.md is the generator's output -----------------------------------------------
"$gen" "$inv" >"$work/privacy.md" || fail "scripts/privacy-doc failed"
diff -u "$src/docs/privacy.md" "$work/privacy.md" >"$work/diff" ||
  fail "docs/privacy.md is not what scripts/privacy-doc makes (run scripts/privacy-doc >docs/privacy.md):
$(head -40 "$work/diff")"
# Every datum, consent, telemetry field and sensor is on the page.
while IFS= read -r line; do
  grep -qF -- "$line" "$src/docs/privacy.md" || fail "docs/privacy.md lacks '$line'"
done < <(jq -r '.data[].id, (.data[].name | gsub("_"; "\\_")), .consent[].title,
  (.telemetry.fields[].name | "| `" + . + "` |"), .sensing[].capability' "$inv")
# And the generator follows the inventory: a changed retention changes the page.
jq '(.data[] | select(.id == "access_log") | .retention) = "Seven days, then deleted."' "$inv" \
  >"$work/changed.json"
"$gen" "$work/changed.json" | grep -F "Seven days, then deleted." >/dev/null ||
  fail "privacy-doc does not show the inventory's retention"
echo "ok: docs/privacy.md is exactly scripts/privacy-doc's output and shows every entry"

# --- the IXIT: personal_data, telemetry and sensing from the inventory keeld prints ----------
# ixit DESCRIBE [jq options]: docs/conformance/keeld-ixit.jq over DESCRIBE.
ixit() {
  local describe=$1
  shift
  jq --slurpfile x "$src/docs/conformance/keeld-ixit.json" --argjson outage null "$@" \
    -f "$src/docs/conformance/keeld-ixit.jq" "$describe"
}
if [ -n "${KEELD_BIN:-}" ] && [ -x "$KEELD_BIN" ]; then
  "$KEELD_BIN" --describe >"$work/describe.json" || fail "keeld --describe failed"
  jq -e --slurpfile i "$inv" '.privacy == $i[0]' "$work/describe.json" >/dev/null ||
    fail "keeld --describe's privacy is not data/privacy/keeld-inventory.json (rebuild keeld)"
else
  jq -n --slurpfile i "$inv" '{interfaces: [], routes: [], privacy: $i[0]}' >"$work/describe.json"
fi
ixit "$work/describe.json" >"$work/ixit.json" || fail "keeld-ixit.jq failed"
jq -e --slurpfile i "$inv" '$i[0] as $i
  | .personal_data.controller == $i.controller
  and (.personal_data.data | map(.id)) == ($i.data | map(.id))
  and (.personal_data.data | all(keys - ["sensitive"] == (["id", "datum", "purpose", "legal_basis",
        "retention", "retention_days", "recipients", "stored", "sealed", "consent_purpose"] | sort)))
  and ([.personal_data.data[] | select(has("sensitive")) | .sensitive] | all(. == true))
  and ([.personal_data.data[] | select(.sensitive) | .id] | index("access_log_sync") != null)
  and (.personal_data.data[] | select(.id == "access_log") | .retention_days) == 90
  and .personal_data.consent == [{purpose: "access_log_sync", description: $i.consent[0].description,
        default: false, route: "/api/v1/privacy/consent"}]
  and .telemetry.topic == $i.telemetry.topic
  and (.telemetry.fields | map(.name)) == ($i.telemetry.fields | map(.name))
  and all(.telemetry.fields[]; .personal == false)
  and .sensing == [$i.sensing[] | {capability, what, documented_in}]
  and (.sensing | map(.capability)) == ["door sensor", "battery gauge", "keypad"]
  and .deletion.reset.body.password == "{password}" and .deletion.reset.restarts == true
  and (.deletion.user_data | all(.body | tostring | contains("{canary}")))
  and .user_info.documents[1].path == "docs/privacy.md"
  and (has("privacy") | not) and (has("consent_check") | not)' "$work/ixit.json" >/dev/null ||
  fail "the IXIT's personal_data, telemetry, sensing, deletion or user_info are not the inventory's:
$(jq -c '{personal_data, telemetry, sensing, deletion, user_info} | tostring | .[0:600]' "$work/ixit.json")"
mqtt='{"host":"127.0.0.1","port":8883,"ca":"ca.pem","cert":"lab.pem","key":"lab.key",
       "topic":"keel/+/accesslog"}'
ixit "$work/describe.json" --argjson consent_mqtt "$mqtt" >"$work/ixit-mqtt.json" ||
  fail "keeld-ixit.jq failed with consent_mqtt"
jq -e --argjson m "$mqtt" '.consent_check == {purpose: "access_log_sync",
    route: "/api/v1/privacy/consent",
    trigger: {method: "POST", path: "/api/v1/lock", body: {action: "lock"}},
    observe: {mqtt: $m}}' "$work/ixit-mqtt.json" >/dev/null ||
  fail "consent_check with the laboratory's broker: $(jq -c .consent_check "$work/ixit-mqtt.json")"
jq 'del(.privacy)' "$work/describe.json" >"$work/no-privacy.json"
msg=$(ixit "$work/no-privacy.json" 2>&1) && fail "an IXIT was made without the inventory"
grep -q 'no "privacy" member' <<<"$msg" || fail "without the inventory keeld-ixit.jq said: $msg"
# Whatever data/schemas/ixit.schema.json says of these members, the IXIT follows it.
/usr/bin/python3 - "$src/data/schemas/ixit.schema.json" "$work/ixit-mqtt.json" <<'PY' ||
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
PY
  fail "the IXIT does not follow data/schemas/ixit.schema.json"
echo "ok: the IXIT's personal_data, telemetry and sensing are the inventory's; consent_check" \
  "only with the laboratory's broker; it follows data/schemas/ixit.schema.json"
