#!/usr/bin/env bash
# 5.3-13-2 and 5.3-16-2: the defined support period and the model designation are published
# where the IXIT's "publication" says and are the values it declares: on keeld, GET
# /api/v1/device without logging in (support_until, model) and the labels of the batch
# (`support:` and `model:` lines, read with --labels). Negative controls on nginx: another
# support period and model, the same route behind a login (401), labels without the support
# line or with another model, and a device that does not answer (undecided).
. "$(dirname "$0")/lib.sh"
work=$WORK # keeld_lib.sh's name for the work directory
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
. "$(dirname "$0")/ixit_lib.sh"

declared_until=$(jq -r .publication.support_until "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.json")
declared_model=$(jq -r .publication.model "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.json")

# --- keeld: PASS, from the API and from every label of the batch --------------------------
mkdir -p "$WORK/labels"
keeld_provision "$WORK/dev" "$WORK/labels/dev-1.txt"
keeld_provision "$WORK/dev2" "$WORK/labels/dev-2.txt"
grep -qx "support:  security updates until $declared_until" "$WORK/labels/dev-1.txt" ||
    fail "the label does not carry the support period keel provision should print"
keeld_at "$WORK/dev" 8443 keeld
keeld_ixit "$WORK/keeld-ixit.json" null --listen 127.0.0.1 --port 8443
# The device states the period the build was made with (KEEL_SUPPORT_UNTIL) and the model it
# was provisioned with: keeld's IXIT must declare the same.
in_ns curl -sk --max-time 10 https://127.0.0.1:8443/api/v1/device >"$WORK/device.json"
jq -e --arg u "$declared_until" --arg m "$declared_model" \
    '.support_until == $u and .model == $m' "$WORK/device.json" >/dev/null ||
    fail "keeld's /api/v1/device ($(cat "$WORK/device.json")) does not say what docs/conformance/keeld-ixit.json declares"
audit keeld --target 127.0.0.1:8443 --ixit "$WORK/keeld-ixit.json" --labels "$WORK/labels"
verdict keeld 5.3-13 5.3-13-2 PASS
verdict keeld 5.3-16 5.3-16-2 PASS
says keeld 5.3-13 5.3-13-2 "^declared support period \\\\(IXIT\\\\): $declared_until$"
says keeld 5.3-13 5.3-13-2 "^GET /api/v1/device \\\\(no session\\\\) member support_until: '$declared_until' as declared$"
says keeld 5.3-13 5.3-13-2 "^labels in .*/labels, line 'support:': all 2 show 'security updates until $declared_until'$"
says keeld 5.3-16 5.3-16-2 "^GET /api/v1/device \\\\(no session\\\\) member model: '$declared_model' as declared$"
says keeld 5.3-16 5.3-16-2 "^labels in .*/labels, line 'model:': all 2 show '$declared_model'$"
grep -qx "keel audit: 5.3-13-2 5.3-16-2 reading the published support period and model designation" \
    "$WORK/keeld/stderr" || fail "keeld: no progress line for 5.3-13-2 5.3-16-2"
# Without --labels the label is not read, and says so; the API alone decides.
audit keeld-nolabels --target 127.0.0.1:8443 --ixit "$WORK/keeld-ixit.json" --only 5.3-13,5.3-16
verdict keeld-nolabels 5.3-13 5.3-13-2 PASS
says keeld-nolabels 5.3-13 5.3-13-2 "^the label \\\\(line 'support:'\\\\) was not read: no --labels$"
# An IXIT without "publication": nothing to compare, undecided.
jq 'del(.publication)' "$WORK/keeld-ixit.json" >"$WORK/bare-ixit.json"
audit keeld-bare --target 127.0.0.1:8443 --ixit "$WORK/bare-ixit.json" --only 5.3-13,5.3-16
verdict keeld-bare 5.3-13 5.3-13-2 INCONCLUSIVE
verdict keeld-bare 5.3-16 5.3-16-2 INCONCLUSIVE
stop_peers
echo "ok: keeld publishes its support period and model on the API and on every label"

# --- negative controls on nginx ------------------------------------------------------------
nginx_at "
    server {
        listen 127.0.0.1:4443 ssl;
        default_type application/json;
        location = /api/v1/device {
            return 200 '{\"model\":\"keel-lock-2\",\"support_until\":\"2029-06-30\"}';
        }
        location = /private/device { return 401 '{\"error\":\"unauthorized\"}'; }
        location = /empty/device { return 200 '{\"serial\":\"X\"}'; }
    }"
wait_port 4443
mkdir -p "$WORK/bad-labels"
printf 'keel device label\nmodel:    keel-lock-1\nserial:   KLA\npassword: AAAA-BBBB-CCCC-DDDD\n' \
    >"$WORK/bad-labels/a.txt"
printf 'keel device label\nmodel:    keel-lock-9\nsupport:  security updates until 2031-12-31\nserial:   KLB\npassword: EEEE-FFFF-GGGG-HHHH\n' \
    >"$WORK/bad-labels/b.txt"
control() { # NAME API-PATH [audit options]: nginx judged against keeld's declared values
    local name=$1 path=$2
    shift 2
    jq --arg p "$path" '{interfaces: [], routes: [], publication: (.publication | .api.path = $p)}' \
        "$KEEL_SOURCE_DIR/docs/conformance/keeld-ixit.json" >"$WORK/$name-ixit.json"
    ixit_valid "$WORK/$name-ixit.json"
    audit "$name" --target 127.0.0.1:4443 --ixit "$WORK/$name-ixit.json" --only 5.3-13,5.3-16 "$@"
}
control other /api/v1/device
verdict other 5.3-13 5.3-13-2 FAIL
verdict other 5.3-16 5.3-16-2 FAIL
says other 5.3-13 5.3-13-2 "^GET /api/v1/device \\\\(no session\\\\) member support_until: '2029-06-30', declared '$declared_until'$"
says other 5.3-16 5.3-16-2 "^GET /api/v1/device \\\\(no session\\\\) member model: 'keel-lock-2', declared '$declared_model'$"
control private /private/device
verdict private 5.3-13 5.3-13-2 FAIL
says private 5.3-13 5.3-13-2 "^GET /private/device \\\\(no session\\\\) member support_until: HTTP 401: not readable without logging in$"
control empty /empty/device
verdict empty 5.3-16 5.3-16-2 FAIL
says empty 5.3-16 5.3-16-2 "^GET /empty/device \\\\(no session\\\\) member model: absent$"
# The API right, the labels wrong: a label without the period, another with another model.
nginx_at "
    server {
        listen 127.0.0.1:4443 ssl;
        default_type application/json;
        location = /api/v1/device {
            return 200 '{\"model\":\"$declared_model\",\"support_until\":\"$declared_until\"}';
        }
    }"
wait_port 4443
control labels /api/v1/device --labels "$WORK/bad-labels"
verdict labels 5.3-13 5.3-13-2 FAIL
verdict labels 5.3-16 5.3-16-2 FAIL
says labels 5.3-13 5.3-13-2 "^GET /api/v1/device \\\\(no session\\\\) member support_until: '$declared_until' as declared$"
says labels 5.3-13 5.3-13-2 "^labels in .*/bad-labels, line 'support:': 1 of 2 without it, 0 with another value \\\\(first: a.txt\\\\)$"
says labels 5.3-16 5.3-16-2 "^labels in .*/bad-labels, line 'model:': 0 of 2 without it, 1 with another value \\\\(first: b.txt shows keel-lock-9\\\\)$"
stop_peers
control silent /api/v1/device
verdict silent 5.3-13 5.3-13-2 INCONCLUSIVE
says silent 5.3-13 5.3-13-2 "^GET /api/v1/device \\\\(no session\\\\) member support_until: could not be read$"
echo "ok: another period or model, a route behind a login, labels without the period or with another model fail; silence is undecided"
echo "PASS: audit 5.3-13-2 and 5.3-16-2 (support period and model, as published)"
