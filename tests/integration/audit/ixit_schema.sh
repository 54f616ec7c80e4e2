#!/usr/bin/env bash
# keeld's IXIT with all 29 tables of TS 103 701, end to end (no device, no root):
#  - `keeld --describe` joined with docs/conformance/keeld-ixit.json by keeld-ixit.jq answers
#    every table, follows data/schemas/ixit.schema.json (python3-jsonschema) and is taken by
#    keel audit --ixit;
#  - its answers hold together (every reference resolves: interfaces, update mechanisms,
#    security parameters, personal data, user interfaces' inputs) and agree with keeld's code
#    (the numbers and store records it cites are the ones the sources define);
#  - a broken table is refused by keel, naming the field, and by the schema alike; a table
#    left out is accepted by both.
set -euo pipefail
: "${KEEL_BIN:?}" "${KEELD_BIN:?}" "${KEEL_SOURCE_DIR:?}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/keel-audit-ixit.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SRC=$KEEL_SOURCE_DIR
SCHEMA=$SRC/data/schemas/ixit.schema.json

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

/usr/bin/python3 -c 'import jsonschema' || fail "python3-jsonschema is missing: run scripts/bootstrap"
# schema_valid FILE: 0 when FILE follows the schema; the first errors on stdout otherwise.
schema_valid() {
    /usr/bin/python3 - "$SCHEMA" "$1" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:3]:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]))
sys.exit(1 if errors else 0)
PY
}

PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# keel_takes FILE: keel audit --ixit FILE loads it (exit 0 or 3: the closed port's verdicts
# are not this test's business); its stderr in $WORK/stderr.
keel_takes() {
    local rc=0
    "$KEEL_BIN" audit --target "127.0.0.1:$PORT" --ixit "$1" --only 6-1 --out "$WORK/report" \
        --format json >"$WORK/stdout" 2>"$WORK/stderr" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ]
}

# --- keeld's IXIT: every table, valid for the schema and for keel --------------------------
"$KEELD_BIN" --describe --listen 127.0.0.1 --port 8443 --mqtt broker.example:8883 \
    --update https://updates.example/repo >"$WORK/describe.json" || fail "keeld --describe failed"
jq --slurpfile x "$SRC/docs/conformance/keeld-ixit.json" --argjson outage null \
    -f "$SRC/docs/conformance/keeld-ixit.jq" "$WORK/describe.json" >"$WORK/ixit.json" ||
    fail "keeld-ixit.jq failed"
tables="auth_mechanisms user_info vulnerability_types confirmations vulnerability_monitoring
software_components update_mechanisms update_procedures replacement_support security_parameters
communication_mechanisms network_security software_services security_management interfaces
code_minimisation privilege_control access_control secure_development secure_boot personal_data
sensing resilience_mechanisms telemetry deletion user_decisions user_interfaces external_apis
input_validation"
n=0
for t in $tables; do
    jq -e --arg t "$t" 'has($t)' "$WORK/ixit.json" >/dev/null || fail "keeld's IXIT has no $t"
    n=$((n + 1))
done
[ "$n" = 29 ] || fail "$n tables listed, not 29"
out=$(schema_valid "$WORK/ixit.json") || fail "keeld's IXIT does not follow the schema: $out"
keel_takes "$WORK/ixit.json" || fail "keel audit refused keeld's IXIT: $(cat "$WORK/stderr")"
echo "ok: keeld's IXIT answers the 29 tables; python3-jsonschema and keel audit take it"

# --- its answers hold together ------------------------------------------------------------
jq -e '
  ([.interfaces[].id] + [.user_interfaces[].id]) as $intf
  | [.security_parameters[].id] as $params
  | [.personal_data.data[].id] as $data
  | [.update_mechanisms[].id] as $mech
  | ([.software_components[] | select(.updatable) | .update_mechanism] - $mech) == []
  and ([.communication_mechanisms[].interface] - [.interfaces[].id]) == []
  and ([.security_management[].parameter] | sort) == ($params | sort)
  and ([.communication_mechanisms[].carries[] | select(startswith("security_parameters:"))
        | ltrimstr("security_parameters:")] - $params) == []
  and ([.communication_mechanisms[].carries[] | select(startswith("personal_data:"))
        | ltrimstr("personal_data:")] - $data) == []
  and ([.input_validation[].interface] - $intf) == []
  and ([.user_interfaces[] | .id as $u | .inputs[] | "\($u): \(.)"]
       - [.input_validation[] | "\(.interface): \(.input)"]) == []
  and ([.security_parameters[] | select(.leaves_device) | .transit_protection | split(":")[0]]
       - [.communication_mechanisms[].id]) == []
  and ([.personal_data.data[] | select(.sensitive and (.recipients | length) > 0) | .id]
       | all(. as $d | "personal_data:\($d)" | IN($ARGS.named.c[])))
' --argjson c "$(jq '[.communication_mechanisms[] | select(.id == "cloud") | .carries[]]' "$WORK/ixit.json")" \
    "$WORK/ixit.json" >/dev/null ||
    fail "keeld's IXIT does not hold together (a reference that does not resolve)"
echo "ok: every interface, update mechanism, security parameter, datum and input it names exists"

# --- and agree with keeld's code ----------------------------------------------------------
# define NAME FILE: the value of #define NAME in FILE (its digits).
define() {
    sed -nE "s/^#define $1 +\(?([0-9]+)u?.*/\1/p" "$SRC/$2" | head -1
}
has_text() { # JQ-PATH TEXT: the IXIT's text at the path contains TEXT
    jq -e --arg s "$2" "$1 | contains(\$s)" "$WORK/ixit.json" >/dev/null ||
        fail "keeld's IXIT: $1 does not say '$2'"
}
auth='.auth_mechanisms[] | select(.id == "owner-password")'
has_text "$auth | .crypto" "m=$(define KEEL_AUTH_ARGON2_DEFAULT_M_KIB include/keel/auth.h) KiB"
has_text "$auth | .crypto" "t=$(define KEEL_AUTH_ARGON2_DEFAULT_T include/keel/auth.h)"
has_text "$auth | .generation" "$(define KEEL_AUTH_LABEL_BITS include/keel/auth.h) bits"
has_text "$auth | .brute_force" "$(define KEEL_AUTH_GUARD_LOCKOUT_FAILURES include/keel/auth.h) in a row"
has_text "$auth | .brute_force" "$(define KEEL_AUTH_GUARD_LOCKOUT_S include/keel/auth.h) s"
pin='.auth_mechanisms[] | select(.id == "keypad-pin") | .brute_force'
has_text "$pin" "After $(define KEELD_KEYPAD_FREE_FAILURES apps/keeld/lock.h) wrong PINs"
has_text "$pin" "waits $(define KEELD_KEYPAD_WAIT_S apps/keeld/lock.h) s"
has_text "$pin" "up to $(define KEELD_KEYPAD_WAIT_MAX_S apps/keeld/lock.h) s"
has_text '.auth_mechanisms[] | select(.id == "session-token") | .generation' \
    "at most $(define KEELD_SESSION_SLOTS apps/keeld/keeld.h) sessions, each ending after $(define KEELD_SESSION_TTL_S apps/keeld/keeld.h) s"
days=$(sed -nE 's/^\| within ([0-9]+) days of the report \|.*/\1/p' "$SRC/docs/vulnerability-disclosure.md")
[ -n "$days" ] && [ "$(jq '.update_procedures[0].security_fix_days' "$WORK/ixit.json")" = "$days" ] ||
    fail "update_procedures' security_fix_days is not docs/vulnerability-disclosure.md's $days"
# Every secure-store record the IXIT names is one keeld's sources name.
n=0
while IFS= read -r rec; do
    grep -rqF "\"$rec\"" "$SRC/apps" "$SRC/src" || fail "the IXIT names store record $rec, which no source defines"
    n=$((n + 1))
done < <(jq -r '.. | strings' "$WORK/ixit.json" | grep -oE 'record [a-z_]+\.[a-z_]+' | sed 's/^record //' | sort -u)
[ "$n" -ge 5 ] || fail "only $n store records named"
echo "ok: the numbers and $n store records keeld's IXIT cites are its sources'; a fix in $days days"

# --- a broken table is refused by both, naming the field; one left out is taken -----------
# broken JQ-EDIT WHY: keel refuses the edited IXIT saying WHY, and so does the schema.
broken() {
    jq "$1" "$WORK/ixit.json" >"$WORK/broken.json"
    ! keel_takes "$WORK/broken.json" || fail "keel took an IXIT with $1"
    grep -qF -- "$2" "$WORK/stderr" || fail "keel said '$(cat "$WORK/stderr")', not '$2'"
    ! schema_valid "$WORK/broken.json" >/dev/null || fail "the schema took an IXIT with $1"
}
broken 'del(.security_parameters[2].lifecycle.storage)' \
    "security_parameters[2].lifecycle.storage: required string"
broken '.auth_mechanisms[0].kind = "passphrase"' "auth_mechanisms[0].kind: must be one of"
broken '.update_procedures[0].security_fix_days = 0' \
    "update_procedures[0].security_fix_days: must be an integer 1-3650"
broken 'del(.security_parameters[] | select(.id == "identity_key") | .tamper_protection)' \
    'tamper_protection: required string when purpose is "identity"'
broken '.software_components[0] |= del(.update_mechanism)' \
    "software_components[0].update_mechanism: required string when updatable is true"
broken '.personal_data.data[0].sensitive = "yes"' \
    "personal_data.data[0].sensitive: must be true or false"
broken '.confirmations[0].provision = "5.3"' "confirmations[0].provision: must be a provision ID"
broken '.user_interfaces = {}' "user_interfaces: must be an array of objects"
jq 'del(.auth_mechanisms, .security_parameters) | .replacement_support = []' "$WORK/ixit.json" \
    >"$WORK/partial.json"
out=$(schema_valid "$WORK/partial.json") || fail "the schema refused an IXIT without two tables: $out"
keel_takes "$WORK/partial.json" || fail "keel refused an IXIT without two tables: $(cat "$WORK/stderr")"
echo "ok: 8 broken tables refused by keel (naming the field) and by the schema; tables left out taken"
