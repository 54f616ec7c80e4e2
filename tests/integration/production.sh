#!/bin/bash
# KEEL_PRODUCTION=ON refuses a development backend at configure time (STYLE.md 15), with a
# message that names the problem; a production build without it configures and builds, and
# its keeld has no --verbose protocol logging (5.6-4A) and refuses the file root of trust.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if out=$(cmake -S "$KEEL_SOURCE_DIR" -B "$work/refused" -DKEEL_PRODUCTION=ON \
         -DKEEL_ROT_FILE=ON -DKEEL_TESTS=OFF -DKEEL_BENCH=OFF 2>&1); then
  echo "FAIL: a production build with the file backend configured"; exit 1
fi
grep -q "KEEL_PRODUCTION=ON refuses the development backend KEEL_ROT_FILE=ON" <<<"$out" ||
  { echo "FAIL: unclear refusal:"; echo "$out"; exit 1; }
echo "ok: production build with the file backend refused at configure time"

cmake -S "$KEEL_SOURCE_DIR" -B "$work/prod" -DKEEL_PRODUCTION=ON -DKEEL_TESTS=OFF \
      -DKEEL_BENCH=OFF >/dev/null || { echo "FAIL: production configuration refused"; exit 1; }
grep -q '^KEEL_ROT_FILE:BOOL=OFF' "$work/prod/CMakeCache.txt" ||
  { echo "FAIL: production build defaults to the file backend"; exit 1; }
cmake --build "$work/prod" -j "$(nproc)" --target keeld >/dev/null ||
  { echo "FAIL: production keeld does not build"; exit 1; }
keeld=$(find "$work/prod" -type f -name keeld -perm -u+x | head -n 1)
if "$keeld" --help 2>&1 | grep -q -- --verbose; then
  echo "FAIL: production keeld offers --verbose"; exit 1
fi
rc=0
"$keeld" --data "$work" --verbose >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || { echo "FAIL: production keeld accepted --verbose (exit $rc)"; exit 1; }
echo "ok: production keeld built without --verbose"
