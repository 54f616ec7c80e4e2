# keel's service harness for tests and the demo (source it from bash).
#
# Services run on the loopback of a network namespace the caller creates, so a port scan
# sees exactly what keel started and nothing of the machine. Everything started is recorded
# and stopped by harness_cleanup, which callers put in an EXIT trap.

harness_pids=()
harness_ns=""
harness_dirs=()

# harness_netns_up NAME: create the namespace with its loopback up. Needs root.
harness_netns_up() {
  harness_ns=$1
  ip netns add "$harness_ns" || return 1
  ip netns exec "$harness_ns" ip link set lo up || return 1
}

# harness_in_ns CMD...: run CMD in the namespace (or here, when there is none).
harness_in_ns() {
  if [ -n "$harness_ns" ]; then
    ip netns exec "$harness_ns" "$@"
  else
    "$@"
  fi
}

# harness_start LOG CMD...: start CMD in the namespace in the background, output to LOG.
# The pid is recorded for harness_cleanup and left in harness_last_pid.
harness_start() {
  local log=$1; shift
  # Started directly, not through a shell function: $! must be the service itself (ip netns
  # exec execs its command), so that stopping it and reading its exit status reach it.
  if [ -n "$harness_ns" ]; then
    ip netns exec "$harness_ns" "$@" >"$log" 2>&1 &
  else
    "$@" >"$log" 2>&1 &
  fi
  harness_last_pid=$!
  harness_pids+=("$harness_last_pid")
}

# harness_wait_for LOG PATTERN SECONDS PID: wait until LOG has a line matching PATTERN;
# fail at once if PID exits first, or when SECONDS pass.
harness_wait_for() {
  local log=$1 pattern=$2 seconds=$3 pid=$4
  local tries=$((seconds * 10))
  while [ "$tries" -gt 0 ]; do
    grep -qE "$pattern" "$log" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "harness: process $pid exited before '$pattern'; its log:" >&2
      sed 's/^/  /' "$log" >&2
      return 1
    fi
    sleep 0.1
    tries=$((tries - 1))
  done
  echo "harness: no '$pattern' in $log after ${seconds}s" >&2
  return 1
}

# harness_wait_port PORT SECONDS [ADDRESS]: wait until ADDRESS:PORT (default 127.0.0.1)
# accepts a connection in the namespace (for peers that print no ready line).
harness_wait_port() {
  local port=$1 tries=$(($2 * 10)) address=${3:-127.0.0.1}
  while [ "$tries" -gt 0 ]; do
    harness_in_ns bash -c "exec 3<>/dev/tcp/$address/$port" 2>/dev/null && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  echo "harness: nothing accepts on $address:$port after $2 s" >&2
  return 1
}

# harness_tempdir: a fresh directory, removed by harness_cleanup, left in $harness_dir.
# (Not for $(...): a subshell could not record it for cleanup.) Traversable by others (0755),
# so that keeld, started as root, still reaches a data directory inside once it runs as its
# own account.
harness_tempdir() {
  harness_dir=$(mktemp -d "${TMPDIR:-/tmp}/keel-test-XXXXXX") || return 1
  harness_dirs+=("$harness_dir")
  chmod 0755 "$harness_dir"
}

# harness_keeld_owns PATH...: give PATH (recursively) to the account keeld runs as when
# started as root ("keel", made by scripts/bootstrap), as a device's installer gives keeld
# its data directory (docs/privileges.md). Nothing to do when the harness is not root: keeld
# then runs as the caller.
harness_keeld_owns() {
  [ "$(id -u)" -eq 0 ] || return 0
  chown -R keel: "$@"
}

# harness_stop PID: SIGTERM, wait up to 5 s, then SIGKILL; returns the process's status.
harness_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null
}

harness_cleanup() {
  # Runs from EXIT traps of scripts under set -e: nothing here may abort it halfway (a
  # stopped peer's status is 143), and the script keeps its own exit status.
  local status=$? pid d
  set +e
  for pid in "${harness_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      harness_stop "$pid"
    fi
  done
  harness_pids=()
  if [ -n "$harness_ns" ]; then
    ip netns pids "$harness_ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$harness_ns" 2>/dev/null
    harness_ns=""
  fi
  for d in "${harness_dirs[@]}"; do rm -rf "$d"; done
  harness_dirs=()
  return $status
}

# harness_swtpm STATE_DIR: start a software TPM (swtpm) keeping its state in STATE_DIR (made
# if missing; reuse the same dir to "reboot" the TPM), reached through a UNIX socket in that
# dir, as a device reaches its TPM through a device node: it opens no network port, so a port
# scan of the device sees none. Waits until it answers and sets harness_tcti to its TCTI
# string ("swtpm:path=STATE_DIR/tpm.sock"; the keel spec is "tpm2:$harness_tcti").
harness_swtpm() {
  local dir=$1 i
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd)
  rm -f "$dir/tpm.sock" "$dir/tpm.sock.ctrl"
  # As root, the sockets are keeld's account's: keeld opens the TPM as that account.
  local owner=""
  [ "$(id -u)" -ne 0 ] || owner=",uid=$(id -u keel),mode=0600"
  harness_start "$dir/swtpm.out" swtpm socket --tpm2 \
    --server type=unixio,path="$dir/tpm.sock"$owner \
    --ctrl type=unixio,path="$dir/tpm.sock.ctrl"$owner \
    --tpmstate dir="$dir" --flags not-need-init,startup-clear
  for i in $(seq 100); do
    kill -0 "$harness_last_pid" 2>/dev/null || break
    if [ -S "$dir/tpm.sock" ] && [ -S "$dir/tpm.sock.ctrl" ]; then
      harness_tcti="swtpm:path=$dir/tpm.sock"
      return 0
    fi
    sleep 0.1
  done
  echo "harness: swtpm does not start (see $dir/swtpm.out)" >&2
  return 1
}
