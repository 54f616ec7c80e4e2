#!/bin/bash
# libkeel installs with its headers, a pkg-config file and a CMake package, and a program
# outside the tree builds against it both ways and runs.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$KEEL_BUILD_DIR" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name keel.pc -printf '%h\n' | head -n 1)/..
[ -f "$prefix/include/keel/keel.h" ] || { echo "FAIL: keel.h not installed"; exit 1; }
[ -f "$prefix/include/keel/core.h" ] || { echo "FAIL: core.h not installed"; exit 1; }

# pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c11 -Wall -Werror "$KEEL_SOURCE_DIR/tests/integration/consumer/consumer.c" \
   $(pkg-config --cflags --libs keel) -o "$work/consumer-pc"
LD_LIBRARY_PATH=$libdir "$work/consumer-pc" | grep -q provisions ||
  { echo "FAIL: pkg-config consumer did not run"; exit 1; }
echo "ok: pkg-config consumer builds and runs ($(pkg-config --modversion keel))"

# CMake package
cmake -S "$KEEL_SOURCE_DIR/tests/integration/consumer" -B "$work/cm" \
      -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cm" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/cm/consumer" | grep -q provisions ||
  { echo "FAIL: CMake consumer did not run"; exit 1; }
echo "ok: find_package(keel) consumer builds and runs"
