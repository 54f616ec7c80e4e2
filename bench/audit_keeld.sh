#!/bin/bash
# The full functional audit of keel's reference device: keeld provisioned onto a software TPM,
# started with its real services (cloud broker, update repository) and audited with its ICS,
# IXIT, owner's password, firmware as flashed and data directory, exactly as `make demo` does
# it (scripts/demo, run here unchanged: the bench measures the audit the demo shows). Prints
# the audit's wall time (goal: under 60 s) and the time of each of its steps, taken from the
# progress lines keel audit writes on stderr as each step starts ("keel audit: <test cases>
# ..."), stamped as they arrive; a step lasts until the next one starts, the last until the
# reports are written. With the verdict of every test case, from the report.
# Usage: bench/audit_keeld.sh   (KEEL_BIN: the keel CLI of the build to use; the demo builds
# the production keeld beside it, BUILD-prod, the first time, and replaces BUILD/demo as
# `make demo` does)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KEEL_BIN:-$PWD/build/apps/keel/keel}
[ -x "$bin" ] || { echo "no keel CLI at $bin (build first)"; exit 1; }
build=$(cd "$(dirname "$bin")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-keeld-XXXXXX")
trap 'rm -rf "$work"' EXIT
goal=60

echo "machine:   $(uname -srm), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
echo "cpu:       $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p) ($(nproc) cpus; $(cut -d' ' -f1-3 /proc/loadavg) load)"
echo "keel:      $bin (the demo's build: KEEL_DEMO_BUILD=$build)"

# Every line of the demo (its stdout and the audit's stderr), stamped on arrival.
status=0
KEEL_DEMO_BUILD=$build bash scripts/demo 2>&1 |
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$work/demo.log" ||
  status=$?
if [ "$status" != 0 ] || ! grep -q '^[0-9.]* == done' "$work/demo.log"; then
  tail -n 30 "$work/demo.log" | cut -d' ' -f2-
  echo "the demo did not complete an audit (exit $status)"
  exit 1
fi
report=$build/demo/report.json
[ -s "$report" ] || { echo "no report at $report"; exit 1; }
cp "$work/demo.log" "$build/demo/bench-timed.log" # the stamped lines, to look into afterwards

# The audit's window: from the demo's "== 6." line to its "== done" line.
awk -v goal="$goal" '
  # A progress line: the test case IDs it starts with (the step), and the rest.
  function step_of(rest,   m, w, i, ids) {
    m = split(rest, w, " ")
    for (i = 1; i <= m && w[i] ~ /^[0-9]+(\.[0-9]+)?-[0-9A-Z]+-[0-9]+$/; i++)
      ids = ids (ids == "" ? "" : " ") w[i]
    return ids == "" ? rest : ids
  }
  function cut(s) { return length(s) > 110 ? substr(s, 1, 107) "..." : s }
  { t = $1; $1 = ""; line = substr($0, 2) }
  line ~ /^== 1\./ && first == "" { first = t }
  line ~ /^== 6\./ { start = t; next }
  start == "" { next }
  # Each progress line is a mark: a new step, or a stage of the step before (same IDs).
  line ~ /^keel audit: / {
    rest = substr(line, 13)
    k = step_of(rest)
    marks++; at[marks] = t; text[marks] = rest; key[marks] = k
    next
  }
  line ~ /^report: / && marks > 0 && reports == "" { reports = t; next }
  line ~ /^== (done|the audit could not run)/ { end = t; exit }
  END {
    if (reports == "") reports = end
    at[marks + 1] = reports
    total = end - start
    printf "setting up the device (demo steps 1-5): %.1f s\n", start - first
    printf "keel audit, the full functional audit: %.1f s wall (goal < %d s: %s)\n", total, goal,
           total < goal ? "met" : "NOT met"
    printf "its steps, in order (%% of the audit; a step with stages shows each):\n"
    for (i = 1; i <= marks; i = j) {
      for (j = i + 1; j <= marks && key[j] == key[i]; j++) ;
      d = at[j] - at[i]
      printf "  %8.2f s  %5.1f%%  %s\n", d, 100 * d / total, cut(text[i])
      if (j - i > 1)
        for (s = i; s < j; s++)
          printf "  %8s  %8.2f s  %s\n", "", at[s + 1] - at[s], cut(substr(text[s], length(key[s]) + 2))
    }
    printf "  %8.2f s          writing the reports, the summary, the demo'"'"'s last check\n", end - reports
  }' "$work/demo.log"

echo "verdicts (report $report):"
jq -r '.provisions[].tests[] | "\(.verdict)"' "$report" | sort | uniq -c | sed 's/^ */  /'
jq -r '.provisions[].tests[] | select(.verdict != "PASS" and .verdict != "N/A") | "  \(.id) \(.verdict): \(.evidence[0] // "")"' \
  "$report" | cut -c1-160
