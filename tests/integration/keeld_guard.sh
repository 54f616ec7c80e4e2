#!/bin/bash
# The brute-force guard of 5.1-5 against a live keeld, with the numbers agreed with keel
# audit: failures 1-5 evaluated at once, then waits of 1, 2, 4, 8, 16 s (429 with Retry-After,
# the password not evaluated), a 300 s lock-out at the 10th failure, a success resetting the
# count, every failure, delay and lock-out a security event, and the state kept in the secure
# store so that killing and restarting keeld does not lift a lock-out.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

keeld_provision "$work/dev" "$work/label"
pw=$(field password "$work/label")
keeld_start "$work/dev"
wrong() { call POST /api/v1/login -d "$(login_body "WRONG-$1-PASSWORD")"; }
unauthorized='401 {"error":"unauthorized"}'
throttled='429 {"error":"too many attempts"}'

# A success resets the count: 4 failures, the right password, then 5 more free failures.
for i in 1 2 3 4; do expect "failure $i" "$(wrong "$i")" "$unauthorized"; done
login "$pw" >/dev/null
for i in 1 2 3 4 5; do expect "failure $i after a success" "$(wrong "$i")" "$unauthorized"; done
echo "ok: a success resets the client's count; five failures are evaluated at once"

# The 6th attempt within a second: 429, Retry-After 1, not evaluated (the right password too).
expect "6th attempt at once" "$(call POST /api/v1/login -d "$(login_body "$pw")")" "$throttled"
expect "Retry-After after 5 failures" "$(retry_after)" 1
# Then each failure doubles the wait; the client honours it, as a patient attacker would.
n=5
for wait in 1 2 4 8 16; do
  sleep "$wait"
  n=$((n + 1))
  expect "failure $n after waiting ${wait}s" "$(wrong "$n")" "$unauthorized"
  r=$(wrong "$n.early")
  expect "attempt right after failure $n" "$r" "$throttled"
  ra=$(retry_after)
  if [ $n -lt 10 ]; then
    expect "Retry-After after failure $n" "$ra" $((wait * 2))
  else
    [ "$ra" -gt 290 ] && [ "$ra" -le 300 ] || keeld_fail "lock-out Retry-After $ra, not near 300"
  fi
done
expect "locked out: the right password is not evaluated" \
  "$(call POST /api/v1/login -d "$(login_body "$pw")")" "$throttled"
echo "ok: waits of 1, 2, 4, 8, 16 s after failures 5-9, lock-out of 300 s at the 10th"

# Security events: each failure, delay and lock-out; no password in the log.
log=$work/keeld.run
[ "$(grep -c 'keel warn: event=auth.failure client=127.0.0.1 count=' "$log")" -eq 14 ] ||
  keeld_fail "expected 14 failure events"
grep -q 'keel warn: event=auth.delay client=127.0.0.1 count=5 wait=1$' "$log" || keeld_fail "no delay event"
grep -q 'keel warn: event=auth.delay client=127.0.0.1 count=9 wait=16$' "$log" || keeld_fail "no delay event"
grep -q 'keel warn: event=auth.lockout client=127.0.0.1 count=10 wait=300$' "$log" ||
  keeld_fail "no lock-out event"
grep -q 'keel warn: event=auth.throttled client=127.0.0.1 count=10 retry_after=[0-9]* scope=lockout' \
  "$log" || keeld_fail "no throttled event"
grep -q -e "$pw" -e WRONG- "$log" && keeld_fail "a password in keeld's log"
echo "ok: failures, delays, refusals and the lock-out are logged as events, without passwords"

# Power cut: SIGKILL, restart on the same store; the lock-out holds.
keeld_stop KILL
keeld_start "$work/dev"
expect "after a restart, still locked out" "$(call POST /api/v1/login -d "$(login_body "$pw")")" \
  "$throttled"
ra=$(retry_after)
[ "$ra" -gt 250 ] && [ "$ra" -le 300 ] || keeld_fail "Retry-After $ra after the restart"
# Another client is not locked out by this one (the overall limit starts at 20 failures).
if ip -V >/dev/null 2>&1 && curl -sk --max-time 10 --interface 127.0.0.2 -o /dev/null \
     "$url/api/v1/status" 2>/dev/null; then
  r=$(call POST /api/v1/login --interface 127.0.0.2 -d "$(login_body "$pw")")
  [[ $r =~ ^200\  ]] || keeld_fail "another client: $r"
  echo "ok: another client still logs in"
fi
keeld_stop
echo "ok: a lock-out survives SIGKILL and a restart (state in the secure store)"
