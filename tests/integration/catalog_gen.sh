#!/usr/bin/env bash
# keel-catalog-gen: a malformed catalog row stops it with "<file>:<line>: <reason>" and a
# non-zero status (so the build fails), and what it generates keeps every byte of the text,
# including quotes, backslashes, "??" and UTF-8.
set -euo pipefail
: "${KEEL_CATALOG_GEN:?}" "${KEEL_SOURCE_DIR:?}"
data="$KEEL_SOURCE_DIR/data/en303645"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

gen() { # gen SECTIONS V2 V3 OUT
  "$KEEL_CATALOG_GEN" --sections "$1" --out "$4" 2.1.1="$2" 3.1.3="$3"
}

# The real data generates.
gen "$data/sections.tsv" "$data/v2.1.1.tsv" "$data/v3.1.3.tsv" "$work/ok.c" ||
  fail "the shipped catalog does not generate"
grep -q '"5.3-4A"' "$work/ok.c" || fail "5.3-4A missing from the generated tables"

# expect_error NAME LINE REASON: the copy broken by the sed script on stdin must be refused.
expect_error() {
  local which=$1 line=$2 reason=$3 script out status=0
  script=$(cat)
  cp "$data/sections.tsv" "$data/v2.1.1.tsv" "$data/v3.1.3.tsv" "$work/"
  sed -i -e "$script" "$work/$which"
  out=$(gen "$work/sections.tsv" "$work/v2.1.1.tsv" "$work/v3.1.3.tsv" "$work/bad.c" 2>&1) ||
    status=$?
  if [ "$status" -eq 0 ]; then
    fail "$which ($reason): accepted"
  elif ! grep -qF -- "$work/$which:$line: $reason" <<<"$out"; then
    fail "$which: want '$work/$which:$line: $reason', got: $out"
  fi
  [ ! -e "$work/bad.c" ] || fail "$which: output written despite the error"
  rm -f "$work/bad.c"
}

expect_error v3.1.3.tsv 4 "malformed id '5.1-x'" <<<'4s/^5\.1-2\t/5.1-x\t/'
expect_error v3.1.3.tsv 3 "malformed status 'M F (A)'" <<<'3s/\tM F (a)\t/\tM F (A)\t/'
expect_error v2.1.1.tsv 14 "malformed status 'R C (12'" <<<'14s/\tR C (12)\t/\tR C (12\t/'
expect_error v2.1.1.tsv 10 "expected 4 tab-separated fields, found 3" <<<'10s/\t[^\t]*$//'
expect_error v2.1.1.tsv 10 "empty requirement" <<<'10s/\t[^\t]*$/\t/'
expect_error v3.1.3.tsv 9 "duplicate id '5.1-1' (first on line 3)" <<<'9s/^5\.2-1\t/5.1-1\t/'
expect_error v3.1.3.tsv 10 "id '5.1-9' out of order: it follows '5.2-1' on line 9" <<<'10s/^5\.2-2\t/5.1-9\t/'
expect_error v2.1.1.tsv 2 "status 'M' is unconditional but a condition is given" <<<'2s/\tM\t\t/\tM\tsome condition\t/'
expect_error v2.1.1.tsv 3 "status 'M C (1)' is conditional but the condition is empty" <<<'3s/\t(1) passwords are used\t/\t\t/'
expect_error v2.1.1.tsv 1 "bad header" <<<'1s/condition/condition_or_feature/'
expect_error v3.1.3.tsv 7 "empty line" <<<'7s/.*//'
expect_error v3.1.3.tsv 4 "control character 0x0d in requirement" <<<'4s/$/\r/'
expect_error v3.1.3.tsv 4 "requirement is not valid UTF-8" <<<'4s/\.$/\xff/'
expect_error v3.1.3.tsv 80 "section '7' of id '7-1' has no heading for version 3.1.3 in sections.tsv" <<<'$a7-1\tM\t\tA new clause.'
expect_error sections.tsv 32 "section '5.14' of version 3.1.3 has no provisions" <<<'$a3.1.3\t5.14\tAn extra clause'
expect_error sections.tsv 2 "version '2.1.2' is not one keel knows" <<<'2s/^2\.1\.1/2.1.2/'
expect_error sections.tsv 5 "duplicate section '5.2' of version '2.1.1'" <<<'5s/\t5\.3\t/\t5.2\t/'

# A clause whose heading is missing from sections.tsv: the error names the first provision.
cp "$data/sections.tsv" "$data/v2.1.1.tsv" "$data/v3.1.3.tsv" "$work/"
sed -i '/^3\.1\.3\t6\t/d' "$work/sections.tsv"
if out=$(gen "$work/sections.tsv" "$work/v2.1.1.tsv" "$work/v3.1.3.tsv" "$work/bad.c" 2>&1); then
  fail "clause 6 without heading accepted"
else
  grep -qF "$work/v3.1.3.tsv:71: section '6' of id '6-1' has no heading" <<<"$out" ||
    fail "clause 6 without heading: $out"
fi

# Usage errors exit 2.
status=0
"$KEEL_CATALOG_GEN" --out "$work/x.c" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "missing arguments: exit $status, want 2"
status=0
"$KEEL_CATALOG_GEN" --sections "$data/sections.tsv" --out "$work/x.c" \
  2.1.1="$data/v2.1.1.tsv" 9.9.9="$data/v3.1.3.tsv" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "unknown version: exit $status, want 2"
status=0
gen "$work/none.tsv" "$data/v2.1.1.tsv" "$data/v3.1.3.tsv" "$work/x.c" 2>/dev/null || status=$?
[ "$status" -eq 1 ] || fail "missing file: exit $status, want 1"

# Escaping: text with quotes, backslashes, a trigraph, octal-looking digits and UTF-8 comes
# back byte for byte from the compiled tables.
if [ -n "${KEEL_CC:-}" ] && command -v "$KEEL_CC" >/dev/null; then
  cp "$data/sections.tsv" "$data/v2.1.1.tsv" "$work/"
  printf 'id\tstatus\tcondition\trequirement\n' >"$work/v3.1.3.tsv"
  printf '5.0-1\tM\t\tThe vendor\xe2\x80\x99s "policy" at C:\\keel\\0 ??= \\x41\\101 7\n' >>"$work/v3.1.3.tsv"
  sed -i '/^3\.1\.3\t5\.[1-9]/d; /^3\.1\.3\t6\t/d' "$work/sections.tsv"
  gen "$work/sections.tsv" "$work/v2.1.1.tsv" "$work/v3.1.3.tsv" "$work/esc.c" ||
    fail "escaping input refused"
  cat >"$work/main.c" <<'C'
#include <stdio.h>
#include "catalog_data.h"
int main(void)
{
    fputs(keel_catalog_tables[KEEL_EN303645_V3_1_3].provisions[0].requirement, stdout);
    return 0;
}
C
  "$KEEL_CC" -std=c11 -Wall -Werror -I "$KEEL_SOURCE_DIR/include" -I "$KEEL_SOURCE_DIR/src/catalog" \
    "$work/esc.c" "$work/main.c" -o "$work/esc" || fail "generated C does not compile"
  "$work/esc" >"$work/got"
  cut -f4 <(tail -n 1 "$work/v3.1.3.tsv") | tr -d '\n' >"$work/want"
  cmp "$work/got" "$work/want" || fail "escaped text changed: $(cat "$work/got")"
else
  echo "no C compiler in KEEL_CC: escaping round trip not checked" >&2
  fail "KEEL_CC unavailable"
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "catalog_gen: all checks passed"
