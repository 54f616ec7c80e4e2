#!/usr/bin/env bash
# keel audit's live test cases on servers with planted flaws, each beside a control
# (tests/fixtures/live_servers.sh): 5.6-1-2 (TCP and UDP scan, telnet named), 5.5-1-2 (legacy
# TLS, a declared telnet interface), 5.1-1-2 (default password, JSON and HTTP Basic) and
# 5.1-5-2 (no brute-force guard). Every planted flaw must be found under its test case, with
# nothing on the controls and no finding the fixture did not plant; the UDP view agrees with
# nmap -sU on the same ports. Prints recall and false findings. --only keeps it short.
. "$(dirname "$0")/lib.sh"
. "$KEEL_SOURCE_DIR/tests/fixtures/live_servers.sh"
started=$SECONDS
command -v nginx >/dev/null || fail "nginx is not installed (scripts/bootstrap)"
command -v nmap >/dev/null || fail "nmap is not installed (scripts/bootstrap)"

# timed NAME COMMAND...: run it and say how long it took.
timed() {
    local name=$1 t0
    shift
    t0=$(date +%s%N)
    "$@"
    echo "time: $name $((($(date +%s%N) - t0) / 1000000)) ms"
}

timed servers live_servers_start
flawed=$LIVE_FLAWED
control=$LIVE_CONTROL
# The logins of weak_device.py run meanwhile (no port scan there: the two UDP scans stay apart,
# so that they do not share the kernel's ICMP rate limit).
run_audit flawed-login 3 --target "$flawed:9443" --only 5.1-1,5.1-5 >"$WORK/flawed-login.out" &
flawed_login=$!
run_audit control-login 0 --target "$control:9443" --only 5.1-5 >"$WORK/control-login.out" &
control_login=$!
# nginx's web login asks for HTTP Basic authentication: 5.1-1-2 with --login-scheme basic.
timed flawed-web run_audit flawed-web 3 --target "$flawed:8443" --ixit "$WORK/ixit-flawed.json" \
    --login-scheme basic --login-path /admin/ --only 5.6-1,5.5-1,5.1-1
timed control-web run_audit control-web 0 --target "$control:8443" \
    --ixit "$WORK/ixit-control.json" --login-scheme basic --login-path /admin/ \
    --only 5.6-1,5.5-1,5.1-1
wait "$flawed_login" || fail "flawed-login: the audit failed (see above)"
wait "$control_login" || fail "control-login: the audit failed (see above)"
cat "$WORK/flawed-login.out" "$WORK/control-login.out"

# The evidence lines of test case $2 in report $1.
lines() { jq -r --arg id "$2" '.provisions[].tests[] | select(.id == $id) | .evidence[]' "$WORK/$1/report.json"; }
verdict() { jq -r --arg id "$2" '.provisions[].tests[] | select(.id == $id) | .verdict' "$WORK/$1/report.json"; }

# Planted flaws: report, test case, the evidence line that finds it (exact).
# A line ending in "*" is matched by its prefix.
planted=(
    "flawed-web|5.5-1-2|TLS 1.0: accepted (*"
    "flawed-web|5.5-1-2|TLS 1.1: accepted (*"
    "flawed-web|5.5-1-2|TCP 2323 (IXIT interface 'console'): declared as telnet in the IXIT: a clear-text remote login"
    "flawed-web|5.6-1-2|TCP 2324: open, not declared"
    "flawed-web|5.6-1-2|TCP 2324: telnet (telnet option negotiation): a clear-text remote login"
    "flawed-web|5.6-1-2|TCP 2323: telnet (telnet option negotiation): a clear-text remote login"
    "flawed-web|5.6-1-2|UDP 5683: open, not declared (CoAP answer)"
    "flawed-web|5.6-1-2|UDP 1900: open|filtered, not declared: no answer to 3 probes while the host refuses other ports with ICMP"
    "flawed-web|5.1-1-2|'admin:admin': accepted (HTTP 200)"
    "flawed-login|5.1-1-2|'admin': accepted (HTTP 200)"
)
# What counts as a finding in any report: a port open and not declared, a password or pair
# accepted, a clear-text login, a legacy TLS version or a TLS 1.2 suite class accepted.
finding="^(TCP|UDP) [0-9]+: open.*, not declared|^'[^']*': accepted|clear-text remote login"
finding+='|^TLS 1\.[01]: accepted|^TLS 1\.2 [^:]+: accepted'
# Findings the fixture planted without a line of their own above: the flawed nginx offers every
# TLS 1.2 suite (ALL:@SECLEVEL=0), so each suite class the audit offers is accepted there.
also_planted='^TLS 1\.2 [^:]+: accepted'

# matches LINE PATTERN: exact, or by prefix when PATTERN ends in "*".
matches() {
    if [[ $2 == *'*' ]]; then [[ $1 == "${2%\*}"* ]]; else [ "$1" = "$2" ]; fi
}

found=0
for p in "${planted[@]}"; do
    IFS='|' read -r report id line <<<"$p"
    hit=0
    while IFS= read -r l; do matches "$l" "$line" && hit=1; done < <(lines "$report" "$id")
    if [ "$hit" = 1 ]; then
        found=$((found + 1))
    else
        echo "MISSED: $report $id: $line" >&2
    fi
done
false_findings=0
for report in flawed-web flawed-login control-web control-login; do
    for id in 5.6-1-2 5.5-1-2 5.1-1-2 5.1-5-2; do
        while IFS= read -r l; do
            [ -n "$l" ] || continue
            known=0
            for p in "${planted[@]}"; do
                IFS='|' read -r pr pid pl <<<"$p"
                [ "$pr|$pid" = "$report|$id" ] && matches "$l" "$pl" && known=1
            done
            [[ $report == flawed-* && $l =~ $also_planted ]] && known=1
            if [ "$known" = 0 ]; then
                echo "FALSE FINDING: $report $id: $l" >&2
                false_findings=$((false_findings + 1))
            fi
        done < <(lines "$report" "$id" | grep -E -- "$finding" || true)
    done
done
echo "recall: $found/${#planted[@]} planted flaws found; false findings: $false_findings"

# Verdicts: each flaw under its test case, each control passing.
[ "$(verdict flawed-web 5.6-1-2)" = FAIL ] || fail "flawed 5.6-1-2 is not FAIL"
[ "$(verdict flawed-web 5.5-1-2)" = FAIL ] || fail "flawed 5.5-1-2 is not FAIL"
[ "$(verdict flawed-web 5.1-1-2)" = FAIL ] || fail "flawed Basic 5.1-1-2 is not FAIL"
[ "$(verdict flawed-login 5.1-1-2)" = FAIL ] || fail "flawed JSON 5.1-1-2 is not FAIL"
[ "$(verdict flawed-login 5.1-5-2)" = FAIL ] || fail "unguarded 5.1-5-2 is not FAIL"
for c in "control-web 5.6-1-2" "control-web 5.5-1-2" "control-web 5.1-1-2" "control-login 5.1-5-2"; do
    set -- $c
    [ "$(verdict "$1" "$2")" = PASS ] || {
        lines "$1" "$2" >&2
        fail "control $1 $2 is $(verdict "$1" "$2"), not PASS"
    }
done
lines control-web 5.6-1-2 | grep -qxF "UDP 5683: open (declared) (CoAP answer)" ||
    fail "control: the declared CoAP service is not seen"
lines control-web 5.1-1-2 | grep -qE "^[0-9]+ refused with HTTP 401/403, 0 accepted" ||
    fail "control: the Basic pairs were not all refused"

# The UDP view against nmap -sU (raw sockets: a scanner keel did not write) on the same ports.
udp_ports=161,1900,5683,5684
nmap_view() {
    in_ns nmap -sU -Pn -n --max-retries 2 -p "$udp_ports" "$1" -oG - 2>/dev/null |
        grep -o '[0-9]*/[a-z|]*/udp' | awk -F/ '{print $1 " " $2}' | sort
}
keel_view() {
    local p state
    for p in ${udp_ports//,/ }; do
        state=closed
        lines "$1" 5.6-1-2 | grep -qE "^UDP $p: open[ ,]" && state=open
        lines "$1" 5.6-1-2 | grep -qE "^UDP $p: open\|filtered" && state='open|filtered'
        echo "$p $state"
    done | sort
}
for pair in "flawed-web $flawed" "control-web $control"; do
    set -- $pair
    t0=$SECONDS
    nv=$(nmap_view "$2")
    echo "time: nmap -sU $2 $((SECONDS - t0)) s"
    kv=$(keel_view "$1")
    [ -n "$nv" ] || fail "nmap -sU gave no result for $2"
    if [ "$nv" != "$kv" ]; then
        echo "nmap:" >&2
        echo "$nv" >&2
        echo "keel:" >&2
        echo "$kv" >&2
        fail "$1: keel's UDP view differs from nmap -sU"
    fi
    echo "ok: $1 UDP view agrees with nmap -sU ($(echo "$nv" | tr '\n' ';'))"
done

[ "$found" = "${#planted[@]}" ] || fail "recall $found/${#planted[@]}"
[ "$false_findings" = 0 ] || fail "$false_findings false findings"
echo "took $((SECONDS - started)) s"
echo "PASS: audit live fixtures"
