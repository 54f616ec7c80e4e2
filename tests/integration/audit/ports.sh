#!/usr/bin/env bash
# 5.6-1-2: an undeclared listening port beside the declared one fails and is named; a
# declared port that is closed makes the test inconclusive.
. "$(dirname "$0")/lib.sh"

tls_server 4433 device -min_protocol TLSv1.2
start_peer extra /usr/bin/python3 -m http.server 8080 --bind 127.0.0.1
wait_port 8080
run_audit extra 3 --target 127.0.0.1:4433
jq_expect extra "$(provision 5.6-1) | .verdict == \"FAIL\""
jq_expect extra "$(provision 5.6-1) | .tests[0].evidence | any(. == \"TCP 8080: open, not declared\")"
jq_expect extra "$(provision 5.6-1) | .tests[0].evidence | any(. == \"TCP 4433: open (declared)\")"
jq_expect extra "$(provision 5.6-1) | [.tests[0].evidence[] | select(endswith(\"not declared\"))] | length == 1"

# Nothing on the declared port: the scan still names 8080 but cannot judge the interfaces
# as declared; no secure channel is offered there at all, so 5.5-1 fails (exit 3).
run_audit closed 3 --target 127.0.0.1:4999
jq_expect closed "$(provision 5.6-1) | .verdict == \"INCONCLUSIVE\""
jq_expect closed "$(provision 5.6-1) | .tests[0].evidence | any(. == \"TCP 8080: open, not declared\")"
jq_expect closed "$(provision 5.5-1) | .verdict == \"FAIL\""
jq_expect closed "$(provision 5.5-1) | .tests[0].evidence | any(startswith(\"TLS 1.0: TCP connect failed\"))"
jq_expect closed "$(provision 5.1-1) | .verdict == \"INCONCLUSIVE\""
echo "PASS: audit ports"
