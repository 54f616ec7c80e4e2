/* keel_ct_equal against memcmp on 32-byte values (hashes, tokens). memcmp may stop at the
 * first difference; keel_ct_equal never does, and this measures what that costs. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "keel/core.h"

#define CALLS 20000000L

int main(void)
{
    unsigned char a[32];
    unsigned char b[32];
    volatile int sink = 0;
    int (*volatile cmp)(const void *, const void *, size_t) = memcmp;
    double t0;
    double keel_s;
    double ref_s;

    memset(a, 7, sizeof(a));
    memcpy(b, a, sizeof(b));
    bench_print_machine("constant-time compare");
    t0 = bench_now();
    for (long i = 0; i < CALLS; i++)
        sink += keel_ct_equal(a, b, sizeof(a));
    keel_s = bench_now() - t0;
    t0 = bench_now();
    for (long i = 0; i < CALLS; i++)
        sink += cmp(a, b, sizeof(a)) == 0;
    ref_s = bench_now() - t0;
    printf("  %ld comparisons of equal 32-byte values\n", CALLS);
    printf("  keel_ct_equal: %6.2f ns each\n", keel_s * 1e9 / CALLS);
    printf("  memcmp:        %6.2f ns each\n", ref_s * 1e9 / CALLS);
    printf("  ratio keel/memcmp throughput: %.2f\n", ref_s / keel_s);
    return sink == 2 * CALLS ? 0 : 1;
}
