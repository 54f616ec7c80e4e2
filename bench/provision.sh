#!/bin/bash
# keel provision throughput: devices per second for a batch (development file root of trust),
# against named references on the same machine: the same count of `openssl genpkey
# -algorithm EC` runs (a key without a certificate, one process each) and of a key with a
# certificate signed by the same CA (`openssl req -new` piped to `openssl x509 -req`).
# A keel device is two P-256 keys, two certificates (one CA-signed), a proof-of-possession
# signature, an Argon2id hash (19 MiB, t=2: the bulk of the time, by design, 5.1-3), a
# sealed secure store, identity.json, a label and a QR code PNG.
# Usage: bench/provision.sh [COUNT]   (KEEL_BIN: the keel CLI; default build/apps/keel/keel)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KEEL_BIN:-$PWD/build/apps/keel/keel}
n=${1:-50}
[ -x "$bin" ] || { echo "no keel CLI at $bin (build first)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-provision-XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.1f", n / t }'; }

echo "machine: $(uname -a)"
echo "cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cpus)"
echo "keel:    $bin"
echo "openssl: $(openssl version)"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7300 \
  -keyout "$work/ca.key" -out "$work/ca.pem" -subj "/CN=bench CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null

t0=$(now)
"$bin" provision --out "$work/batch" --ca-cert "$work/ca.pem" --ca-key "$work/ca.key" \
  --count "$n" >/dev/null 2>"$work/keel.err" || { cat "$work/keel.err"; exit 1; }
t_keel=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')

t0=$(now)
for i in $(seq "$n"); do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/k$i.pem" 2>/dev/null
done
t_key=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')

t0=$(now)
for i in $(seq "$n"); do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/c$i.key" \
    -subj "/CN=dev$i" 2>/dev/null |
    openssl x509 -req -CA "$work/ca.pem" -CAkey "$work/ca.key" -days 3650 \
      -out "$work/c$i.pem" 2>/dev/null
done
t_cert=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')

printf '%-60s %8s s  %8s /s\n' "keel provision --count $n (devices, with certificates)" \
  "$(printf %.2f "$t_keel")" "$(rate "$n" "$t_keel")"
printf '%-60s %8s s  %8s /s\n' "reference: $n x openssl genpkey -algorithm EC (no certificate)" \
  "$(printf %.2f "$t_key")" "$(rate "$n" "$t_key")"
printf '%-60s %8s s  %8s /s\n' "reference: $n x openssl req | x509 -req (CA-signed certificate)" \
  "$(printf %.2f "$t_cert")" "$(rate "$n" "$t_cert")"
awk -v k="$t_keel" -v a="$t_key" -v c="$t_cert" 'BEGIN {
  printf "ratio: one keel device costs %.2f openssl genpkey runs, %.2f openssl CA-signed keys\n",
         k / a, k / c }'
