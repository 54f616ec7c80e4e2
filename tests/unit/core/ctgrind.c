/* Constant-time check (STYLE.md 8): the inputs are marked undefined for Valgrind memcheck,
 * so any branch or memory index that depends on them is reported. Run as "ct" it checks
 * keel_ct_equal and must be clean; run as "memcmp" it checks an early-exit comparison and
 * must be flagged, which proves the harness can see a leak. */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "keel/core.h"

int main(int argc, char **argv)
{
    unsigned char a[32];
    unsigned char b[32];
    volatile int r;

    if (argc != 2)
        return 2;
    memset(a, 0x11, sizeof(a));
    memcpy(b, a, sizeof(b));
    b[31] = 0x12;
    VALGRIND_MAKE_MEM_UNDEFINED(a, sizeof(a));
    VALGRIND_MAKE_MEM_UNDEFINED(b, sizeof(b));
    if (strcmp(argv[1], "ct") == 0)
        r = keel_ct_equal(a, b, sizeof(a));
    else
        r = memcmp(a, b, sizeof(a)) == 0;
    /* Using the result is allowed: only how it was computed matters. */
    VALGRIND_MAKE_MEM_DEFINED((const void *)&r, sizeof(r));
    printf("%d\n", r);
    return 0;
}
