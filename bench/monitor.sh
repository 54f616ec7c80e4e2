#!/bin/bash
# keel monitor throughput (5.10-1): the events per second one `keel monitor` sustains while a
# simulated fleet floods the broker as fast as it takes events, then the same with a second
# monitor in the same shared-subscription group ($share/bench/keel/+/events), and the ratio.
# Everything runs on this machine: mosquitto (TLS 1.2+, client certificates, one thread),
# fleet_sim (1000 devices, keel_event_encode, over 4 connections: each is a thread of its own,
# and fewer leave more of a small machine to the broker; MONITOR_BENCH_CONNECTIONS) and the
# monitors. The figures are what one machine gives with all of them competing for its cores;
# each monitor's events per CPU-second is printed too, the figure that carries over to a
# machine where a monitor has a core of its own. The flood is published with QoS 0 by default
# (MONITOR_BENCH_QOS=1 for the devices' QoS 1): with QoS 1 the broker spends most of a small
# machine on the publishers' acknowledgements and feeds the monitor a fraction of what it
# takes, which measures the broker; QoS 0 leaves the monitor as much as this machine can.
# Usage: bench/monitor.sh [SECONDS]   (default 10; KEEL_BIN, KEEL_FLEET_SIM: the binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
export KEEL_SOURCE_DIR=${KEEL_SOURCE_DIR:-$PWD}
KEEL_BIN=${KEEL_BIN:-$PWD/build/apps/keel/keel}
sim=${KEEL_FLEET_SIM:-$PWD/build/tests/integration/fleet_sim}
seconds=${1:-10}
[ -x "$KEEL_BIN" ] || { echo "no keel CLI at $KEEL_BIN (build first)"; exit 1; }
[ -x "$sim" ] || { echo "no fleet_sim at $sim (build with tests: make build)"; exit 1; }
. scripts/harness.sh
. tests/integration/keeld_lib.sh
. tests/integration/mqtt_lib.sh
. tests/integration/monitor/monitor_lib.sh
trap harness_cleanup EXIT
harness_tempdir
work=$harness_dir

echo "machine:   $(uname -srm)"
echo "cpu:       $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cpus)"
echo "broker:    $(mosquitto -h 2>/dev/null | head -1)"
qos=${MONITOR_BENCH_QOS:-0}
conns=${MONITOR_BENCH_CONNECTIONS:-4}
echo "flood:     $seconds s, 1000 devices over $conns connections, published with QoS $qos, mutual TLS"

monitor_pki "$work/pki"
# A broker queue per subscriber of 10000 events: a monitor that falls behind loses the rest
# (counted: published against received), instead of working through a backlog after the
# flood, which would measure the backlog.
MONITOR_BROKER_QUEUE=10000 monitor_broker_start "$work/pki"
fleet_sim_args "$work/pki"

# run NAME COUNT: COUNT monitors in group bench, one flood; prints the figures and sets rate
# (events per second, all monitors together) and busiest (the highest share of a core any
# monitor used).
run() {
  local name=$1 count=$2 i pids=() st received=0 active=0 each="" cpu="" busy published
  for i in $(seq "$count"); do
    monitor_start "$name-$i" "$work/pki" --group bench --window 60
    pids+=("$monitor_pid")
  done
  "$sim" "${sim_args[@]}" --devices 1000 --connections "$conns" --flood "$seconds" --qos "$qos" \
    >"$work/$name.sim" 2>&1 || { cat "$work/$name.sim"; exit 1; }
  sleep 1
  for i in "${pids[@]}"; do harness_stop "$i" || { echo "a monitor did not stop cleanly"; exit 1; }; done
  published=$(sed -n 's/^published //p' "$work/$name.sim")
  busiest=0
  for i in $(seq "$count"); do
    st=$work/$name-$i.stats
    received=$((received + $(jq -r .messages "$st")))
    active=$(jq -r --argjson a "$active" '[.active_seconds, $a] | max' "$st")
    each+="${each:+ + }$(jq -r .messages "$st")"
    cpu+="${cpu:+, }$(jq -r '(.messages / .cpu_seconds) | floor' "$st")"
    busy=$(jq -r '(100 * .cpu_seconds / .active_seconds) | floor' "$st")
    [ "$busy" -le "$busiest" ] || busiest=$busy
  done
  rate=$(jq -n --argjson n "$received" --argjson t "$active" 'if $t > 0 then $n / $t | floor else 0 end')
  printf '%s monitor(s) in one group: %s events/s received (%s events: %s), %s%% of the %s/s\n' \
    "$count" "$rate" "$received" "$each" \
    "$(jq -n --argjson r "$received" --argjson p "$published" 'if $p > 0 then 100 * $r / $p | floor else 0 end')" \
    "$(sed -n 's/^rate //p' "$work/$name.sim")"
  printf '  published; each monitor busy at most %s%% of a core, %s events per CPU-second\n' \
    "$busiest" "$cpu"
}

run one 1
one=$rate busy_one=$busiest
run two 2
two=$rate
awk -v a="$one" -v b="$two" 'BEGIN {
  printf "ratio: two monitors in one group sustain %.2f times the events of one\n", (a > 0 ? b / a : 0) }'
if [ "$busy_one" -lt 80 ]; then
  echo "note: the single monitor used $busy_one% of a core: it was not the bottleneck here, the" \
    "broker (one thread) and the publishers on the same $(nproc) cores were; the events per" \
    "CPU-second above are what one monitor can take when its broker keeps up"
fi
