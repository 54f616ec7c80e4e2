#!/usr/bin/env bash
# The white-box test cases on firmware trees it has never seen: tests/fixtures/firmware_trees.sh
# builds, at test time, two trees with planted flaws (accounts, ELF hardening, file modes,
# debug and remote services) and a clean control. keel audit runs on each (--only the four
# provisions, against a port nothing listens on in the test's namespace, so only the trees are
# judged) and every planted flaw must be found under its provision and test case (5.1-1-3,
# 5.6-8-2, 5.6-7-2, 5.6-4A-2), nothing on the clean control, and no finding the fixture did not
# plant. Prints recall and false findings.
. "$(dirname "$0")/lib.sh"
started=$SECONDS

bash "$KEEL_SOURCE_DIR/tests/fixtures/firmware_trees.sh" "$WORK/trees" >"$WORK/fixture.log" 2>&1 || {
    cat "$WORK/fixture.log" >&2
    fail "cannot build the firmware trees"
}
only=5.1-1,5.6-4A,5.6-7,5.6-8
run_audit flawed-busybox 3 --target 127.0.0.1:9 --only "$only" --firmware "$WORK/trees/flawed-busybox"
run_audit flawed-systemd 3 --target 127.0.0.1:9 --only "$only" --firmware "$WORK/trees/flawed-systemd"
run_audit clean 0 --target 127.0.0.1:9 --only "$only" --firmware "$WORK/trees/clean"

# The evidence lines of test case $2 in report $1.
lines() { jq -r --arg id "$2" '.provisions[].tests[] | select(.id == $id) | .evidence[]' "$WORK/$1/report.json"; }

# What a finding looks like, per test case: a line naming a file ("path[:line]: what"; the
# header "white-box: ..." is not one), for the accounts only the verdict-making lines. Warnings
# of 5.6-8-2 count too: none is expected on the control, built with keel's flags.
declare -A shape=(
    [5.1-1-3]="^etc/(passwd|shadow):[0-9]+: account '[^']*': (empty password field|password is |.*not (fully )?tried)|^etc/(passwd|shadow) (cannot be read|is not a)"
    [5.6-8-2]="^[^ ]+: "
    [5.6-7-2]="^[^ ]+: "
    [5.6-4A-2]="^[^ ]+(:[0-9]+)?: "
)
finding() { # ID LINE
    [[ $2 != white-box* ]] && grep -Eq -- "${shape[$1]}" <<<"$2"
}
# explained TREE ID LINE: a planted flaw of TREE explains LINE of test case ID.
explained() {
    local re
    while IFS= read -r re; do
        grep -Eq -- "$re" <<<"$3" && return 0
    done < <(awk -F'\t' -v t="$1" -v i="$2" '$1 == t && $2 == i { print $3 }' "$WORK/trees/planted.tsv")
    return 1
}

# Recall: every planted flaw's line in its test case, which FAILs.
planted=0
found=0
while IFS=$'\t' read -r tree id re; do
    planted=$((planted + 1))
    if grep -Eq -- "$re" <<<"$(lines "$tree" "$id")"; then
        found=$((found + 1))
    else
        echo "MISSED: $tree $id: $re" >&2
    fi
    jq -e --arg id "$id" '[.provisions[].tests[] | select(.id == $id)] | .[0].verdict == "FAIL"' \
        "$WORK/$tree/report.json" >/dev/null || fail "$tree: $id is not FAIL"
done <"$WORK/trees/planted.tsv"

# False findings: on the flawed trees, a finding line no planted flaw explains (warnings are
# not findings there); on the clean control, any finding or warning, or a verdict not PASS.
wrong=0
for tree in flawed-busybox flawed-systemd; do
    for id in "${!shape[@]}"; do
        while IFS= read -r line; do
            finding "$id" "$line" || continue
            [[ $line == *": warning: "* ]] && continue
            explained "$tree" "$id" "$line" && continue
            echo "UNEXPECTED: $tree $id: $line" >&2
            wrong=$((wrong + 1))
        done < <(lines "$tree" "$id")
    done
done
for id in "${!shape[@]}"; do
    jq -e --arg id "$id" '[.provisions[].tests[] | select(.id == $id)] | length == 1 and .[0].verdict == "PASS"' \
        "$WORK/clean/report.json" >/dev/null || {
        echo "FALSE: clean: $id is $(jq -r --arg id "$id" '[.provisions[].tests[] | select(.id == $id)][0].verdict' "$WORK/clean/report.json")" >&2
        wrong=$((wrong + 1))
    }
    while IFS= read -r line; do
        if finding "$id" "$line"; then
            echo "FALSE: clean $id: $line" >&2
            wrong=$((wrong + 1))
        fi
    done < <(lines clean "$id")
done
# The strong hash of the control resisted every candidate; no hash is ever in a report.
grep -q "^etc/shadow:3: account 'app': sha512crypt hash resists all" <<<"$(lines clean 5.1-1-3)" ||
    fail "clean: the strong hash was not tried"
! grep -q '\$6\$\|\$5\$\|\$1\$' "$WORK"/{flawed-busybox,flawed-systemd,clean}/report.json ||
    fail "a password hash is in a report"

# V2.1.1 records the debug-interface test case as 5.6-4-2.
run_audit flawed-v2 3 --target 127.0.0.1:9 --only 5.6-4 --version 2.1.1 --firmware "$WORK/trees/flawed-busybox"
grep -q '^etc/inittab:2: telnetd started' <<<"$(lines flawed-v2 5.6-4-2)" ||
    fail "V2.1.1: 5.6-4-2 without telnetd"

echo "whitebox: recall $found/$planted planted flaws found under their test case; $wrong false findings (clean control and unplanted); $((SECONDS - started)) s"
[ "$found" -eq "$planted" ] || fail "recall $found/$planted"
[ "$wrong" -eq 0 ] || fail "$wrong false findings"
echo "PASS: audit whitebox (5.1-1-3, 5.6-4A-2, 5.6-7-2, 5.6-8-2)"
