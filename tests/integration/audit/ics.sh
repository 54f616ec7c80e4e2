#!/usr/bin/env bash
# The ICS as keel audit's input, end to end through the CLI (no device: every audit here runs
# with --only on the ICS's provisions, against a local port nothing listens on):
#  - keel audit init writes the template (every provision, its status, support to fill in),
#    never over a file, and keel audit --ics refuses it until it is filled in;
#  - keeld's ICS (docs/conformance/keeld-ics.json) follows data/schemas/ics.schema.json, whose
#    provision lists are the catalog's, and 5.0-1-1 PASSes on it;
#  - 5.0-1-1 FAILs naming each unjustified recommendation and each N/A without a condition or
#    feature; a provision declared N/A is reported N/A with the justification; a mandatory one
#    declared N FAILs; without --ics 5.0-1 is INCONCLUSIVE; the ICS's version is the audit's;
#  - keel audit list --format json names every test case once, each of a real provision.
set -euo pipefail
: "${KEEL_BIN:?}" "${KEEL_SOURCE_DIR:?}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-audit-ics.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
KEELD_ICS=$KEEL_SOURCE_DIR/docs/conformance/keeld-ics.json
ICS_SCHEMA=$KEEL_SOURCE_DIR/data/schemas/ics.schema.json
REPORT_SCHEMA=$KEEL_SOURCE_DIR/data/schemas/audit-report.schema.json

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

/usr/bin/python3 -c 'import jsonschema' || fail "python3-jsonschema is missing: run scripts/bootstrap"
validate() { # SCHEMA FILE
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:3]:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]))
sys.exit(1 if errors else 0)
PY
}

# A port nothing listens on: the kernel picks a free one, which is closed again at once.
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TARGET=127.0.0.1:$PORT

# audit NAME EXPECTED-STATUS ARGS...: keel audit into $WORK/NAME; its report must follow the
# report's schema.
audit() {
    local name="$1" want="$2" rc=0
    shift 2
    "$KEEL_BIN" audit --target "$TARGET" --format json --out "$WORK/$name" "$@" \
        >"$WORK/$name.out" 2>&1 || rc=$?
    [ "$rc" = "$want" ] || { cat "$WORK/$name.out" >&2; fail "$name: keel audit exited $rc, expected $want"; }
    if [ "$want" != 1 ]; then
        out=$(validate "$REPORT_SCHEMA" "$WORK/$name/report.json") || fail "$name: report: $out"
    fi
}
# expect NAME JQ-FILTER: holds on $WORK/NAME/report.json.
expect() {
    jq -e "$2" "$WORK/$1/report.json" >/dev/null ||
        fail "$1: expected $2 in $(jq -c '[.provisions[] | select(.tests != [])]' "$WORK/$1/report.json")"
}
test_case() { # PROVISION TEST-ID -> a jq path to that test case
    printf '.provisions[] | select(.id == "%s") | .tests[] | select(.id == "%s")' "$1" "$2"
}

# --- keel audit init ---------------------------------------------------------------------
"$KEEL_BIN" catalog --version 3.1.3 --format json >"$WORK/catalog-3.json"
"$KEEL_BIN" catalog --version 2.1.1 --format json >"$WORK/catalog-2.json"
"$KEEL_BIN" audit init --version 3.1.3 --out "$WORK/template.json" >/dev/null
jq -e --slurpfile c "$WORK/catalog-3.json" '
    .standard == "ETSI EN 303 645" and .version == "3.1.3"
    and ([.provisions[] | [.id, .status, .condition]] == [$c[0].provisions[] | [.id, .status, .condition]])
    and all(.provisions[]; .support == "" and .justification == "")' "$WORK/template.json" >/dev/null ||
    fail "the V3.1.3 template does not list every provision with its status and an empty support"
rc=0
"$KEEL_BIN" audit init --out "$WORK/template.json" 2>"$WORK/again.err" || rc=$?
[ $rc = 1 ] && grep -q "never overwritten" "$WORK/again.err" || fail "init overwrote a file (exit $rc)"
"$KEEL_BIN" audit init --version 2.1.1 >"$WORK/template-2.json"
jq -e --slurpfile c "$WORK/catalog-2.json" '[.provisions[].id] == [$c[0].provisions[].id] and .version == "2.1.1"' \
    "$WORK/template-2.json" >/dev/null || fail "the V2.1.1 template"
# Unfilled, it is refused before anything is probed, naming the member.
audit template 1 --ics "$WORK/template.json" --only 5.0-1
grep -q "template.json: device.manufacturer: must not be empty" "$WORK/template.out" ||
    fail "the unfilled template is refused without naming the member"
fill() { # TEMPLATE -> every support Y, the device named
    jq '.device = {manufacturer: "Example", model: "x-1", software_version: "1.0"}
        | .provisions[].support = "Y"' "$1"
}
fill "$WORK/template.json" | jq '.provisions[0].support = ""' >"$WORK/partial.json"
audit partial 1 --ics "$WORK/partial.json"
grep -q "provisions\[0\] (5.0-1).support: must be \"Y\", \"N\" or \"N/A\" (the template's \"\" is to be filled in)" \
    "$WORK/partial.out" || fail "an unfilled support is refused without naming the provision"
[ ! -e "$WORK/partial/report.json" ] || fail "a report was written for a refused ICS"
fill "$WORK/template.json" >"$WORK/filled.json"
out=$(validate "$ICS_SCHEMA" "$WORK/filled.json") || fail "the filled template does not follow the schema: $out"
audit filled 0 --ics "$WORK/filled.json" --only 5.0-1
expect filled "$(test_case 5.0-1 5.0-1-1) | .verdict == \"PASS\" and .kind == \"conceptual\""
expect filled '[.provisions[] | select(.id != "5.0-1") | .verdict] | all(. == "NOT TESTED")'
echo "ok: keel audit init writes the template, refuses to overwrite; filled in, 5.0-1-1 PASSes"

# --- the schema agrees with the catalog, and keeld's ICS follows it ------------------------
for v in 3 2; do
    jq -e --slurpfile c "$WORK/catalog-$v.json" --arg v "$([ $v = 3 ] && echo 3.1.3 || echo 2.1.1)" '
        .allOf[] | select(.if.properties.version.const == $v) | .then.properties.provisions
        | (.items.properties.id.enum == [$c[0].provisions[].id])
          and ([.allOf[].contains.properties | [.id.const, .status.const]]
               == [$c[0].provisions[] | [.id, .status]])
          and .minItems == $c[0].count and .maxItems == $c[0].count' "$ICS_SCHEMA" >/dev/null ||
        fail "data/schemas/ics.schema.json's provisions of V$v are not the catalog's"
done
out=$(validate "$ICS_SCHEMA" "$KEELD_ICS") || fail "keeld-ics.json does not follow the schema: $out"
jq 'del(.provisions[0].justification) | .provisions[5].support = "maybe"' "$KEELD_ICS" >"$WORK/broken.json"
validate "$ICS_SCHEMA" "$WORK/broken.json" >/dev/null && fail "the schema accepts a support of \"maybe\""
audit keeld 0 --ics "$KEELD_ICS" --only 5.0-1,5.6-4B
expect keeld "$(test_case 5.0-1 5.0-1-1) | .verdict == \"PASS\""
expect keeld "$(test_case 5.0-1 5.0-1-1) | .evidence | any(test(\"^ICS of keel [(]reference device[)] keel-lock-1, software\"))"
# 5.6-4B (feature r: physical debug ports) is N/A in keeld's ICS: reported N/A, with the reason.
expect keeld ".provisions[] | select(.id == \"5.6-4B\") | .verdict == \"N/A\""
expect keeld "$(test_case 5.6-4B 5.6-4B-1) | .evidence | any(startswith(\"ICS justification: Feature r is absent\"))"
expect keeld '.summary.all."N/A" == 1 and .summary.all.PASS == 1'
echo "ok: keeld's ICS follows the schema (whose provisions are the catalog's) and 5.0-1-1 PASSes on it"

# --- the conceptual check, N/A and N --------------------------------------------------------
jq '(.provisions[] | select(.id == "5.2-3")) |= (.support = "N" | .justification = "")
    | (.provisions[] | select(.id == "5.5-1")) |= (.support = "N/A" | .justification = "not ours")
    | (.provisions[] | select(.id == "5.6-3")) |= (.support = "N" | .justification = "software only")' \
    "$WORK/filled.json" >"$WORK/unjustified.json"
audit unjustified 3 --ics "$WORK/unjustified.json" --only 5.0-1
expect unjustified "$(test_case 5.0-1 5.0-1-1) | .verdict == \"FAIL\" and (.evidence | any(. == \"5.2-3: recommendation declared not met (N) without a justification\")) and (.evidence | any(startswith(\"5.5-1: declared N/A, but its status \\\"M\\\" has no condition or feature\"))) and (.evidence | any(startswith(\"5.6-3\")) | not)"
# An N/A the status does not allow is not applied (--only: 5.5-1 is not tested here).
expect unjustified '.provisions[] | select(.id == "5.5-1") | .verdict == "NOT TESTED"'
grep -q "^result: 1 mandatory provision(s) FAIL$" "$WORK/unjustified.out" || fail "unjustified: result line"
jq '(.provisions[] | select(.id == "5.2-1")) |= (.support = "N" | .justification = "no policy yet")' \
    "$WORK/filled.json" >"$WORK/notmet.json"
audit notmet 3 --ics "$WORK/notmet.json" --only 5.0-1,5.2-1
expect notmet "$(test_case 5.0-1 5.0-1-1) | .verdict == \"PASS\" and (.evidence | any(startswith(\"5.2-1: mandatory, declared not met (N)\")))"
expect notmet "$(test_case 5.2-1 5.2-1-1) | .verdict == \"FAIL\" and (.evidence | any(. == \"ICS justification: no policy yet\"))"
audit noics 0 --only 5.0-1
expect noics "$(test_case 5.0-1 5.0-1-1) | .verdict == \"INCONCLUSIVE\" and (.evidence | any(. == \"no ICS given (--ics FILE): nothing to judge\"))"
echo "ok: 5.0-1-1 FAILs naming the unjustified N and the unconditional N/A; a mandatory N FAILs; no ICS: INCONCLUSIVE"

# --- versions --------------------------------------------------------------------------------
fill "$WORK/template-2.json" >"$WORK/filled-2.json"
audit v2 0 --ics "$WORK/filled-2.json" --only 4-1
expect v2 ".version == \"2.1.1\" and ($(test_case 4-1 4-1-1) | .verdict == \"PASS\")"
audit mismatch 1 --ics "$WORK/filled-2.json" --version 3.1.3
grep -q "version: the ICS is for V2.1.1, the audit runs V3.1.3 (--version)" "$WORK/mismatch.out" ||
    fail "a version mismatch is not named"
echo "ok: the ICS's version is the audit's; a different --version is refused"

# --- keel audit list ---------------------------------------------------------------------------
for v in 3.1.3 2.1.1; do
    "$KEEL_BIN" audit list --version $v --format json >"$WORK/list-$v.json"
    n=$([ $v = 3.1.3 ] && echo 3 || echo 2)
    jq -e --slurpfile c "$WORK/catalog-$n.json" '
        ([$c[0].provisions[].id]) as $ids
        | .version != null and .count == (.test_cases | length) and .count >= 30
        and ([.test_cases[].id] | unique | length) == .count
        and all(.test_cases[]; .provision as $p | ($ids | index($p)) != null
                and (.id | startswith($p + "-"))
                and (.kind | IN("conceptual", "functional")) and (.needs | length) > 0
                and (.checks | length) > 0)' "$WORK/list-$v.json" >/dev/null ||
        fail "keel audit list --version $v --format json: $(head -c 600 "$WORK/list-$v.json")"
done
jq -e '[.test_cases[].id] | index("5.0-1-1") and index("5.6-4A-2") and index("6-3A-2")' \
    "$WORK/list-3.1.3.json" >/dev/null || fail "the V3.1.3 list lacks its own IDs"
jq -e '[.test_cases[].id] | index("4-1-1") and index("5.6-4-2") and (index("5.0-1-1") | not)' \
    "$WORK/list-2.1.1.json" >/dev/null || fail "the V2.1.1 list lacks its own IDs"
jq -e '.test_cases[] | select(.id == "5.11-1-2") | .needs == ["live device", "--ixit", "--password", "--device-data"] and .ixit == ["deletion"]' \
    "$WORK/list-3.1.3.json" >/dev/null || fail "5.11-1-2's inputs"
"$KEEL_BIN" audit list >"$WORK/list.txt"
grep -q "^5.0-1-1    5.0-1     conceptual  --ics$" "$WORK/list.txt" || fail "the text list: $(head -5 "$WORK/list.txt")"
echo "ok: keel audit list names every test case once, with its provision, kind and inputs"
