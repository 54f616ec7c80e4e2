#!/usr/bin/env bash
# 5.1-4-2 (password change), 5.1-5-2 (brute-force protection) and 5.4-1-2 (root of trust,
# undecidable here) against the fixture device in its weak and its strict forms. The new
# password never reaches the report.
. "$(dirname "$0")/lib.sh"

# The weakest device: "admin" on every unit, no guard, any new password accepted.
weak_device 8443 weak
run_audit weak 3 --target 127.0.0.1:8443
jq_expect weak "$(provision 5.1-4) | .verdict == \"INCONCLUSIVE\""
jq_expect weak "$(provision 5.1-4) | .tests[0].evidence | any(startswith(\"no credentials given\"))"
jq_expect weak "$(provision 5.1-5) | .verdict == \"FAIL\""
jq_expect weak "$(provision 5.1-5) | .tests[0].evidence | any(startswith(\"25 wrong passwords in \"))"
jq_expect weak "$(provision 5.1-5) | .tests[0].evidence | any(test(\"^after 10 failures 15 more wrong passwords were evaluated\"))"
[ ! -e "$WORK/weak/new-password.txt" ] || fail "weak: a password file without a change"
# 5.4-1-2 needs the password: without it, it is not run and not recorded.
jq_expect weak "$(provision 5.4-1) | .verdict == \"NOT TESTED\" and .tests == []"

run_audit weak-change 3 --target 127.0.0.1:8443 --password admin
jq_expect weak-change "$(provision 5.1-4) | .verdict == \"FAIL\""
jq_expect weak-change "$(provision 5.1-4) | .tests[0].evidence | any(. == \"the weak new password '12345678' was accepted (HTTP 204)\")"
# The fixture has no status route (nor logout): 5.4-1-2 cannot decide, and says why.
jq_expect weak-change "$(provision 5.4-1) | .verdict == \"INCONCLUSIVE\""
jq_expect weak-change "$(provision 5.4-1) | .tests[0].evidence | any(. == \"the status route answered HTTP 501\")"
jq_expect weak-change "$(provision 5.4-1) | .tests[0].evidence | any(startswith(\"logout at /api/v1/logout: HTTP 404\"))"
f="$WORK/weak-change/new-password.txt"
[ "$(stat -c %a "$f")" = 600 ] || fail "new-password.txt is not mode 0600"
new="$(cat "$f")"
[ ${#new} -eq 20 ] || fail "the new password is not 20 characters"
! grep -qF "$new" "$WORK/weak-change/report.json" "$WORK/weak-change/report.html" \
  "$WORK/weak-change/stdout" || fail "the new password is in the report"
grep -q "new-password.txt" "$WORK/weak-change/stderr" || fail "the operator is not told"
# The owner can log in with it.
status=$(in_ns curl -sk -o /dev/null -w '%{http_code}' -d "{\"password\":\"$new\"}" \
  https://127.0.0.1:8443/api/v1/login)
[ "$status" = 200 ] || fail "the new password does not log in ($status)"
stop_peers

# A good device: unique password, guard, weak passwords refused.
unique="$(openssl rand -hex 12)"
weak_device 8444 strict --accept "$unique" --guard --password-change strict
echo "$unique" >"$WORK/pw"
run_audit strict 0 --target 127.0.0.1:8444 --password - <"$WORK/pw"
jq_expect strict "$(provision 5.1-4) | .verdict == \"PASS\""
jq_expect strict "$(provision 5.1-4) | .tests[0].evidence | any(startswith(\"a weak new password was refused (HTTP 400: \"))"
jq_expect strict "$(provision 5.1-4) | .tests[0].evidence | any(startswith(\"changed to a new 20-character password\"))"
jq_expect strict "$(provision 5.1-4) | .tests[0].evidence | any(. == \"the old password is refused (HTTP 401)\")"
jq_expect strict "$(provision 5.1-5) | .verdict == \"PASS\""
jq_expect strict "$(provision 5.1-1) | .verdict == \"PASS\""
! grep -qF "$unique" "$WORK/strict/report.json" || fail "the given password is in the report"
! grep -qF "$(cat "$WORK/strict/new-password.txt")" "$WORK/strict/report.json" ||
  fail "the new password is in the report"
# A wrong --password: nothing changes, the test cannot decide.
run_audit strict-wrong 0 --target 127.0.0.1:8444 --password not-the-password
jq_expect strict-wrong "$(provision 5.1-4) | .tests[0].evidence | any(startswith(\"the given password was not accepted (HTTP 4\"))"
jq_expect strict-wrong "$(provision 5.1-4) | .verdict == \"INCONCLUSIVE\""
stop_peers

# No password change route: inconclusive, and the evidence says how to name it.
weak_device 8445 nochange --accept "$unique" --password-change none
run_audit nochange 3 --target 127.0.0.1:8445 --password "$unique" --password-path /api/v2/pw
jq_expect nochange "$(provision 5.1-4) | .verdict == \"INCONCLUSIVE\""
jq_expect nochange "$(provision 5.1-4) | .tests[0].evidence | any(startswith(\"no password change at /api/v2/pw (HTTP 404)\"))"
stop_peers

# A tarpit: after 5.1-1-2's 23 failures and 10 more, every failure is answered 1.5 s late.
weak_device 8446 tarpit --accept "$unique" --slow-after 33
run_audit tarpit 0 --target 127.0.0.1:8446
jq_expect tarpit "$(provision 5.1-5) | .verdict == \"PASS\""
jq_expect tarpit "$(provision 5.1-5) | .tests[0].evidence | any(test(\"^after 10 failures the device slowed down to 0\\\\.[0-9]+ guesses per second\"))"
echo "PASS: audit login (5.1-4, 5.1-5)"
