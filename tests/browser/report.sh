#!/bin/bash
# The HTML report in a real browser (headless Chromium): it renders every provision of the
# standard, keeps the verdicts, shows hostile evidence as text and never runs it, needs no
# network, and leaves a screenshot for a person to look at (build/tests/browser/report.png).
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
fail() { echo "FAIL: $*"; exit 1; }

"$RENDER_REPORT" "$work/report.html"
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --user-data-dir="$work/profile" --virtual-time-budget=2000)

"${chrome[@]}" --dump-dom "file://$work/report.html" >"$work/dom.html" 2>"$work/chromium.log" ||
  { cat "$work/chromium.log"; fail "chromium could not load the report"; }
[ -s "$work/dom.html" ] || fail "empty DOM"

# Nothing the device sent ran: no injected attribute, no injected element.
grep -qE '<body[^>]*data-pwned' "$work/dom.html" && fail "hostile evidence executed in the browser"
grep -qi '<script' "$work/dom.html" && fail "a script element is in the rendered page"
grep -qi '<img' "$work/dom.html" && fail "an injected img element is in the rendered page"
# ... and it is still there, as text.
grep -q '&lt;img src=x onerror=' "$work/dom.html" || fail "hostile evidence not shown as text"
grep -q '&amp;lt;already escaped&amp;gt; &amp; plain ampersand' "$work/dom.html" ||
  fail "ampersands not escaped once"

# One row per provision of V3.1.3, and the verdicts as recorded.
rows=$(grep -oE '<tr[^>]*>[[:space:]]*<td[^>]*>[0-9]+(\.[0-9]+)?-[0-9]+[A-Z]?<' "$work/dom.html" | wc -l)
total=$("$KEEL_BIN" catalog --version 3.1.3 --format json | jq .count)
[ "$rows" -eq "$total" ] || fail "$rows provision rows rendered, the standard has $total"
for v in FAIL PASS "NOT TESTED"; do grep -q ">$v<" "$work/dom.html" || fail "no $v badge"; done
# Self-contained: no external resource of any kind.
grep -qiE '(src|href)="(https?:)?//' "$work/dom.html" && fail "the report loads an external resource"

shot=$KEEL_BUILD_DIR/tests/browser/report.png
mkdir -p "$(dirname "$shot")"
"${chrome[@]}" --window-size=1280,2000 --screenshot="$shot" "file://$work/report.html" \
  >/dev/null 2>>"$work/chromium.log" || { cat "$work/chromium.log"; fail "no screenshot"; }
size=$(stat -c %s "$shot")
[ "$size" -gt 20000 ] || fail "screenshot of $size bytes: nothing rendered"
echo "ok: $rows provision rows, verdicts shown, hostile evidence inert, screenshot $shot"
