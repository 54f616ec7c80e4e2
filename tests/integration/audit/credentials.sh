#!/usr/bin/env bash
# 5.1-1-2 against the fixture device: one that accepts the universal default "admin" fails
# and the evidence names it; one with a unique password passes.
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
run_audit unique 0 --target 127.0.0.1:8444
jq_expect unique "$(provision 5.1-1) | .verdict == \"PASS\""
jq_expect unique "$(provision 5.1-1) | .tests[0].evidence | any(test(\"^[0-9]+ refused with HTTP 401/403, 0 accepted\"))"
jq_expect unique '[.provisions[] | select(.tests != [])] | all(.verdict == "PASS")'

# A login path the device does not serve (404) cannot be judged.
run_audit wrong-path 0 --target 127.0.0.1:8444 --login-path /no/such/login
jq_expect wrong-path "$(provision 5.1-1) | .verdict == \"INCONCLUSIVE\""
jq_expect wrong-path "$(provision 5.1-1) | .tests[0].evidence | any(contains(\"unexpected HTTP 404\"))"
echo "PASS: audit credentials"
