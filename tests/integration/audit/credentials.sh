#!/usr/bin/env bash
# 5.1-1-2 against the fixture device: one that accepts the universal default "admin" fails
# and the evidence names it; one with a unique password passes, also when its guard
# throttles the test (guard.md: Retry-After honoured within 30 s, at least 5 evaluated).
. "$(dirname "$0")/lib.sh"

weak_device 8443 weak
run_audit weak 3 --target 127.0.0.1:8443
jq_expect weak "$(provision 5.1-1) | .verdict == \"FAIL\""
jq_expect weak "$(provision 5.1-1) | .tests[0].evidence | any(. == \"'admin': accepted (HTTP 200)\")"
jq_expect weak "$(provision 5.5-1) | .verdict == \"PASS\""
jq_expect weak "$(provision 5.6-1) | .verdict == \"PASS\""
stop_peers

unique="$(openssl rand -hex 16)"
weak_device 8444 unique --accept "$unique"
run_audit unique 3 --target 127.0.0.1:8444
jq_expect unique "$(provision 5.1-1) | .verdict == \"PASS\""
jq_expect unique "$(provision 5.1-1) | .tests[0].evidence | any(test(\"^23 refused with HTTP 401/403, 0 accepted\"))"
# No guard: every candidate was evaluated, and 5.1-5 fails.
jq_expect unique "$(provision 5.1-5) | .verdict == \"FAIL\""

# A login path the device does not serve (404) cannot be judged.
run_audit wrong-path 0 --target 127.0.0.1:8444 --login-path /no/such/login
jq_expect wrong-path "$(provision 5.1-1) | .verdict == \"INCONCLUSIVE\""
jq_expect wrong-path "$(provision 5.1-1) | .tests[0].evidence | any(contains(\"unexpected HTTP 404\"))"
stop_peers

# keeld's agreed guard: failures 6-9 wait 1, 2, 4, 8 s; the 10th candidate would wait 16 s,
# past what is left of 30 s. 9 of 23 evaluated: PASS, and the evidence says why it stopped.
weak_device 8445 guarded --accept "$unique" --guard
start=$SECONDS
run_audit guarded 0 --target 127.0.0.1:8445
jq_expect guarded "$(provision 5.1-1) | .verdict == \"PASS\""
jq_expect guarded "$(provision 5.1-1) | .tests[0].evidence | any(. == \"evaluated 9 of 23 candidates; the device then throttled/locked out (5.1-5)\")"
jq_expect guarded "$(provision 5.1-1) | .tests[0].evidence | any(test(\"HTTP 429, Retry-After 1[0-9] s is past\"))"
# Then 5.1-5-2 finds the client throttled at once.
jq_expect guarded "$(provision 5.1-5) | .verdict == \"PASS\""
jq_expect guarded "$(provision 5.1-5) | .tests[0].evidence | any(startswith(\"statuses in order (0: no answer, -1: timed out): 429\"))"
[ $((SECONDS - start)) -ge 14 ] || fail "guarded: the waits were not honoured ($((SECONDS - start)) s)"
echo "PASS: audit credentials"
