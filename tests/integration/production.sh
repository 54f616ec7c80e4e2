#!/bin/bash
# KEEL_PRODUCTION=ON refuses a development backend at configure time (STYLE.md 15), with a
# message that names the problem; the default development configuration still configures.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if out=$(cmake -S "$KEEL_SOURCE_DIR" -B "$work/prod" -DKEEL_PRODUCTION=ON \
         -DKEEL_ROT_BACKEND=file -DKEEL_TESTS=OFF -DKEEL_BENCH=OFF 2>&1); then
  echo "FAIL: a production build with the file backend configured"; exit 1
fi
grep -q "KEEL_PRODUCTION=ON refuses the development backend KEEL_ROT_BACKEND=file" <<<"$out" ||
  { echo "FAIL: unclear refusal:"; echo "$out"; exit 1; }
echo "ok: production build with the file backend refused"
if out=$(cmake -S "$KEEL_SOURCE_DIR" -B "$work/bogus" -DKEEL_ROT_BACKEND=flash \
         -DKEEL_TESTS=OFF -DKEEL_BENCH=OFF 2>&1); then
  echo "FAIL: an unknown backend configured"; exit 1
fi
grep -q "choose file or tpm2" <<<"$out" || { echo "FAIL: unclear refusal:"; echo "$out"; exit 1; }
echo "ok: unknown backend refused"
cmake -S "$KEEL_SOURCE_DIR" -B "$work/dev" -DKEEL_TESTS=OFF -DKEEL_BENCH=OFF >/dev/null ||
  { echo "FAIL: the development configuration does not configure"; exit 1; }
echo "ok: development configuration accepted"
