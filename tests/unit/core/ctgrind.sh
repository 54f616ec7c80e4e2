#!/bin/bash
# keel_ct_equal passes Valgrind's secret-dependence check; memcmp, the control, fails it.
set -u
bin=$1
vg=(valgrind --quiet --error-exitcode=99 --track-origins=no)
"${vg[@]}" "$bin" ct || { echo "FAIL: keel_ct_equal branches on secret data"; exit 1; }
if "${vg[@]}" "$bin" memcmp >/dev/null 2>&1; then
    echo "FAIL: the harness did not flag memcmp, so it cannot see a leak"; exit 1
fi
echo "ok: keel_ct_equal is constant time under memcheck; memcmp flagged"
