#!/usr/bin/env bash
# 5.2-1-2: keel audit reads the device's security.txt (RFC 9116) over HTTPS and judges it. The
# reference device (keeld) serves one that passes: Contact, an Expires within the year, Policy,
# Preferred-Languages. Negative controls on nginx, one path each (named by the IXIT's
# security_txt): an expired file, one without Policy and Preferred-Languages, one that is not
# RFC 9116 at all, one with a plain-HTTP contact and Expires twice, none (404), and a redirect
# (the audit follows none: undecided).
. "$(dirname "$0")/lib.sh"
work=$WORK # keeld_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$(dirname "$0")/ixit_lib.sh"

# --- keeld: PASS ----------------------------------------------------------------------------
keeld_provision "$WORK/dev" "$WORK/label.txt"
keeld_at "$WORK/dev" 8443 keeld
keeld_ixit "$WORK/keeld-ixit.json" null --listen 127.0.0.1 --port 8443
audit keeld --target 127.0.0.1:8443 --ixit "$WORK/keeld-ixit.json"
verdict keeld 5.2-1 5.2-1-2 PASS
jq_expect keeld "$(test_case 5.2-1 5.2-1-2) | .kind == \"functional\""
says keeld 5.2-1 5.2-1-2 "^GET https://127.0.0.1:8443/.well-known/security.txt \\\\(no session\\\\): HTTP 200$"
says keeld 5.2-1 5.2-1-2 "^Contact: mailto:security@keel.invalid$"
says keeld 5.2-1 5.2-1-2 "^Expires: [0-9-]+T[0-9:]+Z, 36[0-6] days ahead$"
says keeld 5.2-1 5.2-1-2 "^Policy: https://"
says keeld 5.2-1 5.2-1-2 "^Preferred-Languages: en$"
jq_expect keeld "$(test_case 5.2-1 5.2-1-2) | .evidence | all(startswith(\"warning\") | not)"
grep -qx "keel audit: 5.2-1-2 reading security.txt (RFC 9116)" "$WORK/keeld/stderr" ||
    fail "keeld: no progress line for 5.2-1-2"
# Without an IXIT the test case is not run (the device's documents are what it checks against).
audit keeld-noixit --target 127.0.0.1:8443 --only 5.2-1
jq_expect keeld-noixit "$(provision 5.2-1) | .verdict == \"NOT TESTED\" and .tests == []"
stop_peers
echo "ok: keeld's security.txt passes 5.2-1-2"

# --- negative controls on nginx ------------------------------------------------------------
mkdir -p "$WORK/www/expired" "$WORK/www/incomplete" "$WORK/www/junk" "$WORK/www/http"
past=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
soon=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+60 days' +%Y-%m-%dT%H:%M:%SZ)
printf 'Contact: mailto:security@example.invalid\nExpires: %s\nPolicy: https://example.invalid/p\nPreferred-Languages: en\n' \
    "$past" >"$WORK/www/expired/security.txt"
printf 'Contact: mailto:security@example.invalid\r\nExpires: %s\r\n' "$soon" \
    >"$WORK/www/incomplete/security.txt"
printf '<html><body>Report vulnerabilities to security@example.invalid</body></html>\n' \
    >"$WORK/www/junk/security.txt"
printf 'Contact: http://example.invalid/report\nExpires: %s\nExpires: %s\nPolicy: https://example.invalid/p\nPreferred-Languages: en\n' \
    "$soon" "$later" >"$WORK/www/http/security.txt"
nginx_at "
    server {
        listen 127.0.0.1:4443 ssl;
        root $WORK/www;
        default_type text/plain;
        location = /moved/security.txt { return 301 /expired/security.txt; }
    }"
wait_port 4443
control() { # NAME PATH: the audit of nginx with the IXIT's security_txt set to PATH
    printf '{"interfaces":[],"routes":[],"security_txt":"%s"}' "$2" >"$WORK/$1-ixit.json"
    ixit_valid "$WORK/$1-ixit.json"
    # --only: the controls need no port scan or login tests, and the rest stays NOT TESTED
    audit "$1" --target 127.0.0.1:4443 --ixit "$WORK/$1-ixit.json" --only 5.2-1
    jq_expect "$1" "$(provision 5.6-1) | .verdict == \"NOT TESTED\" and .tests == []"
    ! grep -q "^keel audit: 5.6-1-2" "$WORK/$1/stderr" || fail "$1: --only 5.2-1 ran the port scan"
}
control expired /expired/security.txt
verdict expired 5.2-1 5.2-1-2 FAIL
says expired 5.2-1 5.2-1-2 "^Expires: $past is in the past: the file is stale$"
says expired 5.2-1 5.2-1-2 "^path from the IXIT's security_txt$"
grep -q "^result: [0-9]* mandatory provision(s) FAIL$" "$WORK/expired/stdout" ||
    fail "expired: 5.2-1 is mandatory: the audit must say it fails"
control incomplete /incomplete/security.txt
verdict incomplete 5.2-1 5.2-1-2 FAIL
says incomplete 5.2-1 5.2-1-2 "^Policy: missing$"
says incomplete 5.2-1 5.2-1-2 "^Preferred-Languages: missing$"
says incomplete 5.2-1 5.2-1-2 "^Contact: mailto:security@example.invalid$"
control junk /junk/security.txt
verdict junk 5.2-1 5.2-1-2 FAIL
says junk 5.2-1 5.2-1-2 "^security.txt does not follow RFC 9116: line 1: not a field \\\\(Name: value\\\\), comment or empty line$"
control http /http/security.txt
verdict http 5.2-1 5.2-1-2 FAIL
says http 5.2-1 5.2-1-2 "^Contact: 'http://example.invalid/report' is not a URI \\\\(web URIs must be https\\\\)$"
says http 5.2-1 5.2-1-2 "^Expires: appears 2 times \\\\(RFC 9116: exactly once\\\\)$"
control missing /.well-known/security.txt
verdict missing 5.2-1 5.2-1-2 FAIL
says missing 5.2-1 5.2-1-2 "HTTP 404$"
says missing 5.2-1 5.2-1-2 "^no security.txt is published there$"
control moved /moved/security.txt
verdict moved 5.2-1 5.2-1-2 INCONCLUSIVE
says moved 5.2-1 5.2-1-2 "HTTP 301$"
stop_peers
# Nothing answers: undecided, not failed.
control silent /.well-known/security.txt
verdict silent 5.2-1 5.2-1-2 INCONCLUSIVE
says silent 5.2-1 5.2-1-2 "no answer over HTTPS$"
echo "ok: expired, incomplete, malformed, plain-HTTP-contact and missing files fail; a redirect and silence are undecided"
echo "PASS: audit 5.2-1-2 (security.txt)"
