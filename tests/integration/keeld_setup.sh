#!/bin/bash
# First-run setup on a live keeld (5.12-1) and what the product publishes about itself
# (5.2-1 security.txt, 5.3-13 the support period, 5.3-16 the model): in the factory state
# only the setup page, security.txt and the setup routes answer; the owner logs in with the
# label password, must choose their own, then chooses automatic updates and the optional
# processing; skipping that last step leaves the secure defaults; the choices survive a
# restart.
set -euo pipefail
. "$KEEL_SOURCE_DIR/scripts/harness.sh"
. "$KEEL_SOURCE_DIR/tests/integration/keeld_lib.sh"
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir
fail() { keeld_fail "$@"; }
web=$KEEL_SOURCE_DIR/web/setup # what a development build serves
setup_required='403 {"error":"setup required"}'
unauthorized='401 {"error":"unauthorized"}'
header() { sed -n "s/^$1: *//Ip" "$work/headers" | tr -d '\r'; }
check_of() { jq -c --arg id "$1" '.checks[] | select(.id == $id) | [.ok, .detail]' "$work/body"; }

# A device as the factory makes it: provisioned, and flashed with a signed 1.0.0 so that its
# update settings exist (no repository is given: nothing is fetched).
"$KEEL_BIN" release init --repo "$work/repo" --keys "$work/keys" >/dev/null || fail "keel release init"
printf 'keel-lock firmware 1.0.0\n' >"$work/fw.bin"
"$KEEL_BIN" release add --repo "$work/repo" --keys "$work/keys" --file "$work/fw.bin" \
  --name keel-lock-1-1.0.0.bin --hardware-id keel-lock-1 --version 1.0.0 --security-version 1 \
  --fixes "first release" --risks "none known" --interrupts 10 >/dev/null || fail "keel release add"
"$KEEL_BIN" release publish --repo "$work/repo" --keys "$work/keys" >/dev/null || fail "keel release publish"
device() { # DIR LABEL
  keeld_provision "$1" "$2"
  "$KEEL_BIN" flash --data "$1" --repo "$work/repo" --target keel-lock-1-1.0.0.bin >/dev/null ||
    fail "keel flash $1"
  harness_keeld_owns "$1"
}
device "$work/dev" "$work/label"
pw=$(field password "$work/label")
serial=$(field serial "$work/label")
model=$(field model "$work/label")
support=$(field support "$work/label")
[[ $support =~ ^security\ updates\ until\ ([0-9]{4}-[0-9]{2}-[0-9]{2})$ ]] ||
  fail "the label states no support period next to the model: '$support'"
until=${BASH_REMATCH[1]}
grep -A1 '^model:' "$work/label" | grep -q '^support:' || fail "the support period is not next to the model"
echo "ok: the label names the model ($model) and its support period (until $until)"

keeld_start "$work/dev"
"$KEELD_BIN" --describe --port "$port" | jq -c '.routes[]' >"$work/routes"

# --- the setup page, public, with its policy ---------------------------------------------------
for f in /:index.html:"text/html; charset=utf-8" /setup.css:setup.css:text/css \
  /setup.js:setup.js:text/javascript; do
  IFS=: read -r path file type <<<"$f"
  code=$(curl -sk --max-time 10 -D "$work/headers" -o "$work/file" -w '%{http_code}' "$url$path")
  expect "GET $path" "$code" 200
  cmp -s "$work/file" "$web/$file" || fail "GET $path is not $web/$file"
  expect "$path content type" "$(header content-type)" "$type"
  expect "$path policy" "$(header content-security-policy)" "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
  expect "$path: one policy" "$(grep -ci '^content-security-policy:' "$work/headers")" 1
  expect "$path nosniff" "$(header x-content-type-options)" nosniff
  expect "$path referrer" "$(header referrer-policy)" no-referrer
  expect "$path framing" "$(header x-frame-options)" DENY
  grep -qi '^server:' "$work/headers" && fail "$path has a Server header"
done
expect "POST to the page" "$(call POST / -d x)" '405 {"error":"method not allowed"}'
expect "Allow for the page" "$(header allow)" GET
expect "a file that is not served" "$(call GET /index.html)" '404 {"error":"not found"}'
expect "no path out of the page" "$(call GET /../../../etc/passwd --path-as-is)" '404 {"error":"not found"}'
expect "no file of the directory by name" "$(call GET /setup/index.html)" '404 {"error":"not found"}'
echo "ok: the page, its style and script are served whole, public, with the policy and nosniff"

# --- security.txt (RFC 9116, 5.2-1) -------------------------------------------------------------
r=$(call GET /.well-known/security.txt)
[[ $r =~ ^200\  ]] || fail "security.txt: $r"
expect "security.txt type" "$(header content-type)" "text/plain; charset=utf-8"
txt=$work/security.txt
cp "$work/body" "$txt"
for f in Contact Expires Policy Preferred-Languages; do
  expect "security.txt has $f once" "$(grep -c "^$f: ." "$txt")" 1
done
grep -q '^Contact: \(mailto:\|https://\)' "$txt" || fail "Contact is not a mailto: or https: URI"
grep -q '^Policy: https://' "$txt" || fail "Policy is not an https: URI"
expect "languages" "$(sed -n 's/^Preferred-Languages: //p' "$txt")" en
expires=$(sed -n 's/^Expires: //p' "$txt")
[[ $expires =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
  fail "Expires '$expires' is not RFC 3339 UTC"
e=$(date -u -d "$expires" +%s) now=$(date -u +%s) end=$(date -u -d "${until}T23:59:59Z" +%s)
[ "$e" -gt "$now" ] || fail "Expires $expires is not in the future"
[ "$e" -le $((now + 366 * 86400)) ] || fail "Expires $expires is more than a year ahead"
[ "$e" -le "$end" ] || fail "Expires $expires is after the support period's end $until"
grep -vqE '^(#.*|[A-Z][A-Za-z-]+: .+)$' "$txt" && fail "a line of security.txt is neither a field nor a comment"
echo "ok: security.txt: Contact, Expires ($expires: future, within a year), Policy, Preferred-Languages"

# --- the product's declarations (5.3-13, 5.3-16) ---------------------------------------------------
r=$(call GET /api/v1/device)
[[ $r =~ ^200\  ]] || fail "device: $r"
expect "device" "$(jq -c '[.model, .serial, .support_until, .supported, .state, .security_txt]' "$work/body")" \
  "[\"$model\",\"$serial\",\"$until\",true,\"factory\",\"/.well-known/security.txt\"]"
expect "device contact" "$(jq -r .security_contact "$work/body")" "$(sed -n 's/^Contact: //p' "$txt")"
echo "ok: /api/v1/device names the model, serial, firmware, support period, contact, without a session"

# --- the factory state: only the setup routes (5.12-1) ----------------------------------------------
token=$(login "$pw")
auth=(-H "Authorization: Bearer $token")
refused=0
while read -r route; do
  m=$(jq -r .method <<<"$route") p=$(jq -r .path <<<"$route")
  [ "$(jq -r .factory <<<"$route")" = false ] || continue
  expect "$m $p without a session" "$(call "$m" "$p" -d '{}')" "$unauthorized"
  if [ "$m" = GET ]; then
    expect "$m $p in the factory state" "$(call GET "$p" "${auth[@]}")" "$setup_required"
  else
    expect "$m $p in the factory state" "$(call POST "$p" "${auth[@]}" -d '{}')" "$setup_required"
  fi
  refused=$((refused + 1))
done <"$work/routes"
[ "$refused" -ge 10 ] || fail "only $refused routes are closed in the factory state"
expect "lock in the factory state" \
  "$(call POST /api/v1/lock "${auth[@]}" -d '{"action":"unlock"}')" "$setup_required"
expect "setup before the owner's password" \
  "$(call POST /api/v1/setup "${auth[@]}" -d '{"auto_install":true,"data_processing":true}')" \
  "$setup_required"
r=$(call GET /api/v1/security "${auth[@]}")
[[ $r =~ ^200\  ]] || fail "security in the factory state: $r"
expect "not secure yet" "$(jq -c '.ok' "$work/body")" false
expect "owner password check" "$(check_of owner_password | jq -c '.[0]')" false
grep -q 'event=setup' "$work/keeld.run" && fail "a setup event before setup"
echo "ok: factory state: $refused routes answer 401 without a session and 403 with the label password's;" \
  "the page, security.txt, device, login, password, security answer"

# --- setup: the owner's own password, then the choices -----------------------------------------------
expect "a weak new password" "$(call POST /api/v1/password "${auth[@]}" -d "$(password_body "$pw" "password123")")" \
  '400 {"error":"weak password","reason":"common password"}'
expect "still the factory state" "$(call GET /api/v1/status "${auth[@]}")" "$setup_required"
own="front door passphrase 31"
expect "the owner's password" "$(call POST /api/v1/password "${auth[@]}" -d "$(password_body "$pw" "$own")")" "204 "
expect "the label's session ended" "$(call GET /api/v1/security "${auth[@]}")" "$unauthorized"
expect "the label password no longer opens" "$(call POST /api/v1/login -d "$(login_body "$pw")")" "$unauthorized"
token=$(login "$own")
auth=(-H "Authorization: Bearer $token")
r=$(call GET /api/v1/device)
expect "initialised" "$(jq -r .state "$work/body")" initialised
expect "malformed setup" "$(call POST /api/v1/setup "${auth[@]}" -d '{"auto_install":true}')" \
  '400 {"error":"bad request"}'
expect "setup with an unknown choice" \
  "$(call POST /api/v1/setup "${auth[@]}" -d '{"auto_install":true,"data_processing":false,"telemetry":true}')" \
  '400 {"error":"bad request"}'
grep -q 'event=setup' "$work/keeld.run" && fail "a refused setup was logged as done"
expect "setup" "$(call POST /api/v1/setup "${auth[@]}" -d '{"auto_install":false,"data_processing":true}')" "204 "
grep -q 'event=setup.completed auto_install=0 data_processing=1$' "$work/keeld.run" ||
  fail "no setup event with the owner's choices"
r=$(call GET /api/v1/security "${auth[@]}")
expect "processing on" "$(check_of data_processing)" '[true,"optional processing on (your choice)"]'
expect "owner password" "$(check_of owner_password | jq -c '.[0]')" true
expect "automatic updates off" "$(check_of automatic_updates | jq -c '.[0]')" false
r=$(call GET /api/v1/update "${auth[@]}")
expect "the update settings" "$(jq -c '[.auto_install, .waiting_for_setup]' "$work/body")" '[false,false]'
r=$(call GET /api/v1/status "${auth[@]}")
expect "status after setup" "$(jq -c '[.state, .lock, .model]' "$work/body")" "[\"initialised\",\"locked\",\"$model\"]"
echo "ok: label password, weak password refused, own password, choices taken and logged"

keeld_stop
keeld_start "$work/dev"
token=$(login "$own")
r=$(call GET /api/v1/security -H "Authorization: Bearer $token")
expect "processing after a restart" "$(check_of data_processing)" '[true,"optional processing on (your choice)"]'
expect "automatic updates after a restart" "$(check_of automatic_updates | jq -c '.[0]')" false
keeld_stop
echo "ok: the choices survive a restart"

# --- setup skipped: the defaults (automatic updates on, processing off) -------------------------------
device "$work/dev2" "$work/label2"
pw2=$(field password "$work/label2")
keeld_start "$work/dev2"
token=$(login "$pw2")
expect "own password" "$(call POST /api/v1/password -H "Authorization: Bearer $token" \
  -d "$(password_body "$pw2" "back door passphrase 58")")" "204 "
token=$(login "back door passphrase 58")
r=$(call GET /api/v1/security -H "Authorization: Bearer $token")
expect "processing off by default" "$(check_of data_processing)" '[true,"optional processing off"]'
expect "automatic updates on by default" "$(check_of automatic_updates)" \
  '[true,"security updates install by themselves"]'
expect "the software verified" "$(check_of software_integrity | jq -c '.[0]')" true
expect "owner password" "$(check_of owner_password | jq -c '.[0]')" true
r=$(call GET /api/v1/update -H "Authorization: Bearer $token")
expect "the update settings" "$(jq -c '[.auto_install, .waiting_for_setup]' "$work/body")" '[true,false]'
r=$(call GET /api/v1/lock -H "Authorization: Bearer $token")
expect "the lock answers without setup's choices" "${r%% *}" 200
grep -q 'event=setup' "$work/keeld.run" && fail "a setup event without setup"
keeld_stop
echo "ok: with the choices skipped the device runs on the secure defaults"

# --- --web: a page of the largest size is served whole; a missing file stops keeld ---------------
mkdir "$work/web"
cp "$web/index.html" "$web/setup.css" "$work/web/"
head -c $((200 * 1024)) /dev/urandom | base64 -w 100 >"$work/web/setup.js"
truncate -s $((256 * 1024)) "$work/web/setup.js" # the largest file keeld takes
chmod -R a+rX "$work/web"
keeld_start "$work/dev2" --web "$work/web"
curl -sk --max-time 20 -o "$work/big.js" "$url/setup.js" || fail "the 256 KiB script was not sent"
cmp -s "$work/big.js" "$work/web/setup.js" || fail "the 256 KiB script arrived changed or cut"
keeld_stop
rm "$work/web/setup.css"
rc=0
"$KEELD_BIN" --data "$work/dev2" --port 1 --web "$work/web" >"$work/refuse.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "refusing to start: setup page $work/web/setup.css: " "$work/refuse.log" ||
  fail "keeld without setup.css: exit $rc: $(cat "$work/refuse.log")"
ln -s index.html "$work/web/setup.css"
rc=0
"$KEELD_BIN" --data "$work/dev2" --port 1 --web "$work/web" >"$work/refuse.log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "setup.css: is a symbolic link" "$work/refuse.log" ||
  fail "keeld with a symbolic link: exit $rc: $(cat "$work/refuse.log")"
echo "ok: a 256 KiB file is sent whole; a missing file or a symbolic link stops keeld, named"

grep -qF -e "$pw" -e "$own" -e "$pw2" "$work/keeld.log" && fail "a password in keeld's log"
echo "PASS: keeld setup (5.12-1), security.txt (5.2-1), support period and model (5.3-13, 5.3-16)"
