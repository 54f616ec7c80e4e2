#!/usr/bin/env bash
# Hard-coded secrets (5.4-3-2) and TLS configurations (5.5-1-3) on trees keel has never seen:
# tests/fixtures/secret_trees.sh plants random secrets in configuration files and in an ELF
# built with gcc, and legacy TLS settings of seven servers, beside a clean control of
# look-alikes. Every planted flaw must be found under its test case (recall), nothing on the
# control, no planted value may appear in a report. The two nginx configurations are started
# and probed with openssl s_client, so that the files' verdicts match what the servers do on
# the wire. Last, the false-positive rate of the secret scan on real configuration files (the
# host's /etc and /usr/share/doc) is measured and printed (docs/audit-report.md).
. "$(dirname "$0")/lib.sh"
started=$SECONDS

bash "$KEEL_SOURCE_DIR/tests/fixtures/secret_trees.sh" "$WORK/trees" >"$WORK/fixture.log" 2>&1 || {
    cat "$WORK/fixture.log" >&2
    fail "cannot build the secret trees"
}
only=5.4-3,5.5-1
run_audit planted 3 --target 127.0.0.1:9 --only "$only" --firmware "$WORK/trees/planted"
run_audit clean 3 --target 127.0.0.1:9 --only "$only" --firmware "$WORK/trees/clean"

lines() { jq -r --arg id "$2" '.provisions[].tests[] | select(.id == $id) | .evidence[]' "$WORK/$1/report.json"; }
verdict() { jq -r --arg id "$2" '[.provisions[].tests[] | select(.id == $id)][0].verdict' "$WORK/$1/report.json"; }
# What a finding line looks like: a key, password or secret of 5.4-3-2 ("path: offset N: ..."),
# a directive of 5.5-1-3 ("path:line: ...").
declare -A shape=([5.4-3-2]=': offset [0-9]+: ' [5.5-1-3]='^[^ ]+:[0-9]+: ')
for tree in planted clean; do
    for id in 5.4-3-2 5.5-1-3; do
        lines "$tree" "$id" >"$WORK/$tree.$id.lines"
        grep -E -- "${shape[$id]}" "$WORK/$tree.$id.lines" >"$WORK/$tree.$id.findings" || true
    done
done

# Recall: every planted flaw's line under its test case, which FAILs.
planted=0
found=0
while IFS=$'\t' read -r tree id re; do
    planted=$((planted + 1))
    if grep -Eq -- "$re" "$WORK/$tree.$id.lines"; then
        found=$((found + 1))
    else
        echo "MISSED: $tree $id: $re" >&2
    fi
done <"$WORK/trees/planted.tsv"
for id in 5.4-3-2 5.5-1-3; do
    [ "$(verdict planted "$id")" = FAIL ] || fail "planted: $id is $(verdict planted "$id"), not FAIL"
done

# False findings: on the planted tree, a finding no planted flaw explains; on the control, any
# finding or a verdict other than PASS.
wrong=0
for id in 5.4-3-2 5.5-1-3; do
    awk -F'\t' -v i="$id" '$2 == i { print $3 }' "$WORK/trees/planted.tsv" >"$WORK/explains.$id"
    while IFS= read -r line; do
        echo "UNEXPECTED: planted $id: $line" >&2
        wrong=$((wrong + 1))
    done < <(grep -Ev -f "$WORK/explains.$id" "$WORK/planted.$id.findings" || true)
    [ "$(verdict clean "$id")" = PASS ] || {
        echo "FALSE: clean: $id is $(verdict clean "$id")" >&2
        wrong=$((wrong + 1))
    }
    while IFS= read -r line; do
        echo "FALSE: clean $id: $line" >&2
        wrong=$((wrong + 1))
    done <"$WORK/clean.$id.findings"
done
# The summary counts every secret planted in the tree (17 files, 4 in the ELF).
grep -q '^19 hard-coded secrets' "$WORK/planted.5.4-3-2.lines" || fail "planted: not 19 secrets counted"
# No planted value in any report (the evidence shows fingerprints only).
for r in planted clean; do
    ! grep -qFf "$WORK/trees/values" "$WORK/$r/report.json" "$WORK/$r/report.html" ||
        fail "$r: a planted secret is in the report"
done
# The TLS files say what the servers do: nginx with each configuration, probed on the wire.
nginx_conf "$(sed -e "s#CERT#$WORK/cert.pem#; s#KEY#$WORK/key.pem#" "$WORK/trees/nginx-legacy.conf" \
    "$WORK/trees/nginx-modern.conf")"
start_peer nginx nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
wait_port 8441
wait_port 8442
tls10() { # PORT: 0 when a TLS 1.0 handshake succeeds
    in_ns openssl s_client -connect "127.0.0.1:$1" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null \
        >"$WORK/s_client.$1" 2>&1
}
tls10 8441 || fail "nginx with the legacy configuration refuses TLS 1.0 (see $WORK/s_client.8441)"
! tls10 8442 || fail "nginx with the modern configuration accepts TLS 1.0"
in_ns openssl s_client -connect 127.0.0.1:8442 -tls1_2 </dev/null >/dev/null 2>&1 ||
    fail "nginx with the modern configuration refuses TLS 1.2"
echo "ok: on the wire, nginx-legacy accepts TLS 1.0 (5.5-1-3 FAIL), nginx-modern refuses it (PASS)"

echo "secrets: recall $found/$planted planted flaws found under their test case; $wrong false findings (clean control and unplanted)"
[ "$found" -eq "$planted" ] || fail "recall $found/$planted"
[ "$wrong" -eq 0 ] || fail "$wrong false findings"

# The false-positive rate on real configuration files: the host's /etc and /usr/share/doc
# (measured, printed, not judged here: a host may hold real keys, docs hold example tokens).
for d in /etc /usr/share/doc; do
    [ -d "$d" ] || continue
    name=host$(tr / - <<<"$d")
    mkdir -p "$WORK/$name"
    in_ns "$KEEL_BIN" audit --out "$WORK/$name" --target 127.0.0.1:9 --only 5.4-3 --firmware "$d" \
        >/dev/null 2>"$WORK/$name/stderr" || true
    [ -s "$WORK/$name/report.json" ] || fail "$d: no report (see $WORK/$name/stderr)"
    sum=$(lines "$name" 5.4-3-2 | grep -E '^[0-9]+ files \(' | head -n 1)
    files=$(sed -E 's/^([0-9]+) files.*/\1/' <<<"$sum")
    bytes=$(sed -E 's/^[0-9]+ files \(([0-9]+) bytes.*/\1/' <<<"$sum")
    secrets=$(lines "$name" 5.4-3-2 | sed -nE 's/^([0-9]+) hard-coded secrets.*/\1/p')
    awk -v d="$d" -v f="$files" -v b="$bytes" -v s="$secrets" 'BEGIN {
        printf "false-positive measure: %s: %d secret findings in %d files (%.1f MB): %.5f per file, %.3f per MB\n",
            d, s, f, b / 1e6, f ? s / f : 0, b ? s / (b / 1e6) : 0 }'
    lines "$name" 5.4-3-2 | grep ": secret '" | sed 's/^/  /' || true
done
echo "PASS: audit secrets (5.4-3-2 secrets, 5.5-1-3 TLS configurations) in $((SECONDS - started)) s"
