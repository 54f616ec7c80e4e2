#!/bin/bash
# A secret cannot be passed to keel_log: the compiler refuses it under keel's flags.
# The clean variant must compile, or the test would pass for the wrong reason.
set -u
cc=${CC:-cc}
src=$KEEL_SOURCE_DIR/tests/unit/core/log_misuse.c
flags=(-std=c11 -fsyntax-only -Wall -Wextra -Wpedantic -Wformat=2 -Werror -I "$KEEL_SOURCE_DIR/include")
if ! "$cc" "${flags[@]}" "$src"; then
    echo "FAIL: the clean use of keel_log does not compile"; exit 1
fi
for misuse in STRUCT BYTES POINTER; do
    if out=$("$cc" "${flags[@]}" -DKEEL_MISUSE_$misuse "$src" 2>&1); then
        echo "FAIL: passing a secret ($misuse) to keel_log compiled"; exit 1
    fi
    grep -Eq -- '-Werror=format|-Wformat' <<<"$out" || { echo "FAIL: $misuse refused for another reason:"; echo "$out"; exit 1; }
    echo "ok: $misuse refused by -Wformat"
done
