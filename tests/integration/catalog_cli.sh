#!/usr/bin/env bash
# keel catalog: counts and filters in JSON for both versions, the text table, bad options.
set -euo pipefail
: "${KEEL_BIN:?}"
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# check_json ARGS... -- JQ_EXPR: the JSON output must satisfy the jq expression.
check_json() {
  local args=() expr out
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  expr=$2
  if ! out=$("$KEEL_BIN" catalog "${args[@]}" --format json); then
    fail "keel catalog ${args[*]} --format json exited non-zero"
    return
  fi
  jq -e "$expr" >/dev/null <<<"$out" || fail "keel catalog ${args[*]}: not ($expr)"
}

# The numbers the standard gives, and counts that describe the listed provisions.
consistent='.count == (.provisions | length)
  and .mandatory == ([.provisions[] | select(.mandatory)] | length)
  and .recommended == ([.provisions[] | select(.mandatory | not)] | length)
  and .standard == "ETSI EN 303 645"
  and all(.provisions[]; (.mandatory == (.status | startswith("M")))
                         and (.section as $s | .id | startswith($s + "-"))
                         and (.requirement | length > 0)
                         and ((.condition == "") == (.status | test("^[MR]$"))))'
check_json --version 3.1.3 -- ".version == \"3.1.3\" and .count == 78 and .mandatory == 36 and .recommended == 42 and ($consistent)"
check_json -- '.version == "3.1.3" and .count == 78'
check_json --version 2.1.1 -- ".version == \"2.1.1\" and .count == 68 and .mandatory == 33 and .recommended == 35 and ($consistent)"
check_json --version 3.1.3 --mandatory -- ".count == 36 and .mandatory == 36 and .recommended == 0 and all(.provisions[]; .mandatory) and ($consistent)"
check_json --version 3.1.3 --recommended -- ".count == 42 and .mandatory == 0 and .recommended == 42 and all(.provisions[]; .mandatory | not) and ($consistent)"
check_json --version=2.1.1 --mandatory -- ".count == 33 and all(.provisions[]; .status | startswith(\"M\")) and ($consistent)"
check_json --version V2.1.1 --recommended -- ".count == 35 and all(.provisions[]; .status | startswith(\"R\")) and ($consistent)"
check_json --version 3.1.3 -- '[.provisions[].id] | (.[0] == "5.0-1") and (.[-1] == "6-8") and (unique | length == 78)'
check_json --version 3.1.3 -- '.provisions[] | select(.id == "5.1-5") | .status == "M C F (14, e)" and .section == "5.1" and .mandatory'
check_json --version 2.1.1 -- '.provisions[] | select(.id == "4-1") | .section == "4" and .condition == ""'

# Text: a heading per clause, an aligned row per provision, the summary line.
text=$("$KEEL_BIN" catalog)
grep -q '^ETSI EN 303 645 V3.1.3: 78 provisions (36 mandatory, 42 recommended)$' <<<"$text" ||
  fail "text summary"
grep -q '^5.1 No universal default passwords$' <<<"$text" || fail "text heading 5.1"
grep -q '^6 Data protection provisions for consumer IoT$' <<<"$text" || fail "text heading 6"
grep -qE '^  5\.3-4A +R F \(g\) +At least one secure update' <<<"$text" || fail "text row 5.3-4A"
[ "$(grep -cE '^  [0-9.]+-[0-9]+[A-Z]? ' <<<"$text")" -eq 78 ] || fail "text rows != 78"
text=$("$KEEL_BIN" catalog --version 2.1.1 --mandatory)
grep -q '^ETSI EN 303 645 V2.1.1: 33 provisions (33 mandatory, 0 recommended)$' <<<"$text" ||
  fail "text summary V2.1.1 --mandatory"
grep -q '^4 Reporting implementation$' <<<"$text" || fail "text heading 4"
[ "$(grep -cE '^  [0-9.]+-[0-9]+[A-Z]? ' <<<"$text")" -eq 33 ] || fail "text rows != 33"
# A clause with no mandatory provision (5.7 in V2.1.1) gets no heading.
! grep -q '^5.7 ' <<<"$text" || fail "empty clause 5.7 listed under --mandatory"
"$KEEL_BIN" catalog --help | grep -q '^usage: keel catalog' || fail "--help"

# Bad command lines exit 2 with a message naming the problem.
expect_usage() {
  local want=$1 status=0 err
  shift
  err=$("$KEEL_BIN" catalog "$@" 2>&1 >/dev/null) || status=$?
  [ "$status" -eq 2 ] || fail "keel catalog $*: exit $status, want 2"
  grep -qF -- "$want" <<<"$err" || fail "keel catalog $*: message '$err' lacks '$want'"
}
expect_usage "unknown version '4.0.0'" --version 4.0.0
expect_usage "--version needs a value" --version
expect_usage "unknown format 'xml'" --format xml
expect_usage "--format needs a value" --format
expect_usage "exclude each other" --mandatory --recommended
expect_usage "unknown argument '--bogus'" --bogus
expect_usage "unknown argument 'extra'" extra
expect_usage "unknown version ''" --version=

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "catalog_cli: all checks passed"
