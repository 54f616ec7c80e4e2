# Shared by keeld's integration scripts (source after scripts/harness.sh; set $work): a
# provisioned device, keeld started on a free loopback port, and HTTPS calls against it.
# shellcheck shell=bash

field() { sed -n "s/^$1: *//p" "$2"; }

# keeld_ca DIR: DIR/ca.pem and DIR/ca.key, a P-256 manufacturer CA for test devices.
keeld_ca() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7300 \
    -keyout "$1/ca.key" -out "$1/ca.pem" -subj "/CN=keeld test manufacturer CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null || keeld_fail "openssl cannot make the test CA"
}

# keeld_fail MSG: fail, showing keeld's log.
keeld_fail() {
  echo "FAIL: $*"
  cat "$work/keeld.log" "$work/keeld.run" 2>/dev/null | sed 's/^/  keeld: /'
  exit 1
}

# keeld_provision DIR LABEL [provision options...]: a device made with a test CA in $work/ca,
# given to the account keeld runs as when started as root.
keeld_provision() {
  local dir=$1 label=$2; shift 2
  [ -f "$work/ca/ca.pem" ] || keeld_ca "$work/ca"
  "$KEEL_BIN" provision --out "$dir" --ca-cert "$work/ca/ca.pem" --ca-key "$work/ca/ca.key" \
    --label "$label" "$@" >/dev/null 2>"$work/provision.log" ||
    keeld_fail "provision: $(cat "$work/provision.log")"
  harness_keeld_owns "$dir" || keeld_fail "cannot give $dir to keeld's account (scripts/bootstrap)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# keeld_start DIR [keeld options...]: keeld on a free port, log in $work/keeld.log (appended
# to, so a restart keeps the earlier lines); sets keeld_pid, port and url.
keeld_start() {
  local dir=$1 attempt; shift
  for attempt in 1 2 3 4 5; do
    [ -n "${port:-}" ] && [ "$attempt" -eq 1 ] || port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    : >"$work/keeld.run" # a restart must not find the previous run's "listening" line
    harness_start "$work/keeld.run" "$KEELD_BIN" --data "$dir" --listen 127.0.0.1 --port "$port" "$@"
    keeld_pid=$harness_last_pid
    if harness_wait_for "$work/keeld.run" "^keeld: listening on 127.0.0.1:$port\$" 20 "$keeld_pid" \
         2>/dev/null; then
      url=https://127.0.0.1:$port
      return 0
    fi
  done
  cat "$work/keeld.run" >>"$work/keeld.log" 2>/dev/null
  keeld_fail "keeld did not start"
}

# keeld_stop [SIGNAL]: stop keeld (SIGTERM and wait, or SIGKILL), keep its log.
keeld_stop() {
  if [ "${1:-TERM}" = KILL ]; then
    kill -KILL "$keeld_pid"
    wait "$keeld_pid" 2>/dev/null || true
  else
    harness_stop "$keeld_pid" || keeld_fail "keeld did not exit cleanly"
  fi
  cat "$work/keeld.run" >>"$work/keeld.log"
}

# call METHOD PATH [curl args...]: prints "STATUS BODY"; headers in $work/headers.
call() {
  local method=$1 path=$2; shift 2
  curl -sk --max-time 10 -X "$method" -D "$work/headers" -o "$work/body" -w '%{http_code}' \
    "$@" "$url$path" || true
  printf ' %s' "$(cat "$work/body" 2>/dev/null)"
}
expect() { # WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] || keeld_fail "$1: got '$2', expected '$3'"
}
login_body() { jq -cn --arg p "$1" '{password: $p}'; }
password_body() { jq -cn --arg c "$1" --arg n "$2" '{current: $c, new: $n}'; }
retry_after() { sed -n 's/^retry-after: *\([0-9]*\).*/\1/Ip' "$work/headers"; }
# login PASSWORD: prints the token, or fails.
login() {
  local r
  r=$(call POST /api/v1/login -d "$(login_body "$1")")
  [[ $r =~ ^200\  ]] || keeld_fail "login: $r"
  jq -r .token "$work/body"
}

# keeld_keypad SOCKET LINE...: one connection to keeld's keypad socket, each line sent in
# turn (Python escapes allowed), each answer printed on a line of its own.
keeld_keypad() {
  python3 - "$@" <<'PY'
import codecs, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile('rb')
for arg in sys.argv[2:]:
    s.sendall(codecs.decode(arg, 'unicode_escape').encode('latin-1') + b'\n')
    print(f.readline().decode('ascii', 'replace').rstrip('\n'))
PY
}
