#!/bin/bash
# keel audit's white-box scan on a real root file system: a Debian 12 tree made by debootstrap
# (--variant=minbase bookworm, from the apt mirror this machine already uses), cached in
# BUILD/bench-cache/debootstrap and reused when present.
#  1. 5.4-3-2, the whole search for private keys, hard-coded secrets and default passwords
#     (`keel audit --firmware TREE --only 5.4-3`), timed against the reference `grep -r` over
#     the same tree with the equivalent patterns (the command is printed); both after the page
#     cache holds the tree, best of BENCH_SCAN_RUNS runs (default 3); MB/s of each (wall and CPU
#     time) and the ratio; when keel is the slower, where its time goes (perf, by function).
#  2. every white-box test case that needs only --firmware (from `keel audit list`), one run
#     each (--only its provision): its verdict, what it found, how long it took.
# Usage: bench/audit_scan.sh   (KEEL_BIN: the keel CLI; KEEL_BENCH_CACHE: the cache directory,
# default the build directory's bench-cache/; debootstrap needs root the first time)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KEEL_BIN:-$PWD/build/apps/keel/keel}
[ -x "$bin" ] || { echo "no keel CLI at $bin (build first)"; exit 1; }
cache=${KEEL_BENCH_CACHE:-$(cd "$(dirname "$bin")/../.." && pwd)/bench-cache}
runs=${BENCH_SCAN_RUNS:-3}
tree=$cache/debootstrap
work=$(mktemp -d "${TMPDIR:-/tmp}/keel-bench-scan-XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

# The Debian archive this machine's apt uses for bookworm: deb822 sources (*.sources) or
# one-line ones (sources.list, *.list). The first "deb" entry with suite bookworm wins.
mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) types = $i
          if ($i ~ /^URIs:/) uris = $i
          if ($i ~ /^Suites:/) suites = $i
        }
        if (types ~ /[ \t]deb([ \t]|$)/ && (suites " ") ~ /[ \t]bookworm[ \t]/) {
          sub(/^URIs:[ \t]*/, "", uris); split(uris, u, /[ \t]+/); print u[1]; exit
        }
      }' "$f"
  done
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -n 's/^deb[ \t]\+\(\[[^]]*\][ \t]\+\)\?\([^ \t]\+\)[ \t]\+bookworm[ \t].*/\2/p' || true
}

echo "machine:   $(uname -srm), $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
echo "cpu:       $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p) ($(nproc) cpus; $(cut -d' ' -f1-3 /proc/loadavg) load)"
echo "keel:      $bin"
echo "grep:      $(grep --version | sed -n 1p)"

if [ ! -f "$tree.done" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "the Debian tree is not cached in $tree and debootstrap needs root"; exit 1; }
  command -v debootstrap >/dev/null || { echo "debootstrap is missing (scripts/bootstrap)"; exit 1; }
  url=$(mirror | sed -n 1p)
  [ -n "$url" ] || { echo "no bookworm entry in /etc/apt/sources.list*: no mirror for debootstrap"; exit 1; }
  echo "making the Debian 12 tree: debootstrap --variant=minbase bookworm $tree $url (once)"
  rm -rf "$tree" "$tree.tmp"
  mkdir -p "$cache"
  t0=$(now)
  debootstrap --variant=minbase bookworm "$tree.tmp" "$url" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log"
    rm -rf "$tree.tmp"
    echo "debootstrap failed"
    exit 1
  }
  mv "$tree.tmp" "$tree"
  printf 'debootstrap --variant=minbase bookworm from %s on %s, %s s\n' "$url" "$(date -u +%FT%TZ)" \
    "$(since "$t0")" >"$tree.done"
fi
echo "tree:      $tree ($(cat "$tree.done"))"
# What keel reads: regular files, symbolic links not followed, special files not opened.
read -r files bytes < <(find "$tree" -type f -printf '%s\n' | awk '{ n++; b += $1 } END { print n, b }')
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "           $files regular files, $mb MB"

# The page cache holds the tree before anything is timed (read twice: the second read is
# what the timed runs get).
for _ in 1 2; do find "$tree" -type f -print0 | xargs -0 cat >/dev/null; done

# The reference: the patterns 5.4-3-2 looks for, as grep -E patterns: every word of keel's
# dictionary of default passwords (data/credentials/default-passwords.txt, as whole words),
# the PEM armour of private keys (DER keys have no grep equivalent), and the credential shapes
# of the secret search (cloud and forge tokens, JWTs, URLs with a password, assignments of a
# literal to a secret-looking key).
grep -v '^#' data/credentials/default-passwords.txt | sed '/^$/d; s/[][\.*^$+?(){}|/]/\\&/g; s/.*/\\<&\\>/' \
  >"$work/patterns"
cat >>"$work/patterns" <<'PAT'
-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----
-----BEGIN OPENSSH PRIVATE KEY-----
AKIA[0-9A-Z]{16}
gh[pousr]_[A-Za-z0-9]{36}
glpat-[A-Za-z0-9_-]{20}
xox[abprs]-[A-Za-z0-9-]{10,}
[rs]k_live_[A-Za-z0-9]{24,}
eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}
[a-z][a-z0-9+.-]*://[^/:@[:space:]]+:[^/@[:space:]]+@
([Pp][Aa][Ss][Ss]|[Pp][Ww][Dd]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn]|[Aa][Pp][Ii]_?[Kk][Ee][Yy]|[Pp][Ss][Kk])[A-Za-z0-9_]*["']?[[:space:]]*[:=][[:space:]]*["']?[^[:space:]"']{4,}
PAT
grep_cmd=(env LC_ALL=C grep -r -a -o -b -E -f "$work/patterns" "$tree")
echo
echo "reference: LC_ALL=C grep -r -a -o -b -E -f PATTERNS TREE | wc -l"
echo "           (binary files read as text, as keel reads them; every match printed with its"
echo "           offset, as keel reports every finding; PATTERNS: $(wc -l <"$work/patterns") lines:"
sed 's/^/             /' "$work/patterns"
echo "           )"

# Wall time and CPU time (user + system, of every process of the command) of each run; on a
# machine shared with other work the CPU time is the steadier figure.
TIMEFORMAT='%R %U %S'
timed() { # FILE COMMAND...: runs COMMAND, appends "wall cpu" to FILE
  local file=$1 t rc=0
  shift
  { t=$( { time "$@" >/dev/null 2>&1; } 2>&1 ) || rc=$?; } 2>/dev/null
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$t" >>"$file"
  return "$rc"
}
keel_scan() {
  local rc=0
  "$bin" audit --target 127.0.0.1:9 --only 5.4-3 --firmware "$tree" --format json \
    --out "$work/scan" >"$work/scan.out" 2>"$work/scan.err" || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 3 ] # 3: a mandatory provision fails (findings), not an error
}
grep_scan() { "${grep_cmd[@]}" | wc -l >"$work/grep.count"; }
for _ in $(seq "$runs"); do
  timed "$work/keel.times" keel_scan || {
    cat "$work/scan.err"
    echo "keel audit --only 5.4-3 failed"
    exit 1
  }
  timed "$work/grep.times" grep_scan
done
matches=$(cat "$work/grep.count")
best() { awk -v c="$2" '{ print $c }' "$1" | sort -n | sed -n 1p; }
runs_of() { awk -v c="$2" '{ printf "%s%s", (NR > 1 ? " " : ""), $c }' "$1"; }
mbs() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
evidence() { jq -r --arg id "$2" '.provisions[].tests[] | select(.id == $id) | .evidence[]' "$1"; }
verdict() { jq -r --arg id "$2" '[.provisions[].tests[] | select(.id == $id)][0].verdict // "not recorded"' "$1"; }
scanned=$(evidence "$work/scan/report.json" 5.4-3-2 | sed -n 's/^\([0-9]*\) files (\([0-9]*\) bytes) scanned.*/\1 \2/p' | sed -n 1p)
echo
echo "5.4-3-2 on the tree: $(verdict "$work/scan/report.json" 5.4-3-2); keel scanned ${scanned% *} files, ${scanned#* } bytes"
evidence "$work/scan/report.json" 5.4-3-2 | sed -n '2,/^not scanned/p' | sed 's/^/  /'
printf '%-34s %9s %9s %9s %9s   %s\n' "best of $runs runs" "wall s" "MB/s" "CPU s" "MB/CPU-s" "all runs: wall/CPU s"
for who in keel grep; do
  f=$work/$who.times
  name="keel audit --only 5.4-3"
  [ "$who" = keel ] || name="grep -r (reference; $matches matches)"
  printf '%-34s %9s %9s %9s %9s   %s / %s\n' "$name" "$(best "$f" 1)" "$(mbs "$(best "$f" 1)")" \
    "$(best "$f" 2)" "$(mbs "$(best "$f" 2)")" "$(runs_of "$f" 1)" "$(runs_of "$f" 2)"
done
awk -v kw="$(best "$work/keel.times" 1)" -v gw="$(best "$work/grep.times" 1)" \
  -v kc="$(best "$work/keel.times" 2)" -v gc="$(best "$work/grep.times" 2)" 'BEGIN {
  printf "ratio keel/grep: %.2f in wall time, %.2f in CPU time (%s)\n", kw / gw, kc / gc,
    kc < gc ? "keel is faster" : "keel is SLOWER than grep" }'
# Slower than the reference: where keel's time goes (perf, from linux-perf), by function.
if awk -v kc="$(best "$work/keel.times" 2)" -v gc="$(best "$work/grep.times" 2)" \
  'BEGIN { exit !(kc >= gc) }'; then
  # perf record exits with keel's status (3: findings), so the profile itself is checked.
  if command -v perf >/dev/null; then
    perf record -q -o "$work/perf.data" -- "$bin" audit --target 127.0.0.1:9 --only 5.4-3 \
      --firmware "$tree" --format json --out "$work/perf" >/dev/null 2>&1 || true
  fi
  if [ -s "$work/perf.data" ] && [ -s "$work/perf/report.json" ]; then
    echo "where keel's time goes (perf record, share of its samples by function; the top 12):"
    perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
      grep -E '^ +[0-9.]+%' | sed -n 1,12p | sed 's/^ */  /; s/[ -]*$//'
  else
    echo "(perf is missing or cannot record here: no profile; scripts/bootstrap installs linux-perf)"
  fi
fi

echo
echo "the white-box test cases on the tree (each alone: --only its provision; the provision's"
echo "other test cases find nothing listening at 127.0.0.1:9 and are not shown):"
# 5.4-4-2 needs a second device of the model: the same tree, as a maker that flashes one image
# on every device hands it over (every private key of the image is then in both).
total_wall=0 total_cpu=0
printf '%-9s %-13s %8s %8s\n' "" "" "wall s" "CPU s"
while read -r id provision; do
  extra=()
  [ "$id" != 5.4-4-2 ] || extra=(--firmware-peer "$tree")
  one() {
    local rc=0
    "$bin" audit --target 127.0.0.1:9 --only "$provision" --firmware "$tree" "${extra[@]}" \
      --format json --out "$work/$id" >"$work/$id.out" 2>"$work/$id.err" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ]
  }
  : >"$work/$id.times"
  timed "$work/$id.times" one || { cat "$work/$id.err"; echo "keel audit --only $provision failed"; exit 1; }
  read -r wall cpu <"$work/$id.times"
  total_wall=$(awk -v a="$total_wall" -v b="$wall" 'BEGIN { print a + b }')
  total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { print a + b }')
  n=$(evidence "$work/$id/report.json" "$id" | wc -l)
  printf '%-9s %-13s %8s %8s  %s evidence lines%s\n' "$id" "$(verdict "$work/$id/report.json" "$id")" \
    "$wall" "$cpu" "$n" "${extra[0]:+ (with ${extra[0]} the same tree)}"
  evidence "$work/$id/report.json" "$id" | sed -n 1,8p | cut -c1-160 | sed 's/^/            /'
  [ "$n" -le 8 ] || echo "            ... $((n - 8)) more"
done < <("$bin" audit list --format json |
  jq -r '.test_cases[] | select(.kind == "functional" and .needs == ["--firmware"]) | "\(.id) \(.provision)"')
echo "all white-box test cases: $total_wall s wall, $total_cpu s CPU"
"$bin" audit list --format json |
  jq -r '.test_cases[] | select((.needs | index("--firmware")) and .needs != ["--firmware"]) |
    "not run here: \(.id) (needs \(.needs | join(" and ")))"'
