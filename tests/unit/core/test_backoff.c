/* keel_backoff_ms (5.9-3): every wait lies in [0, min(cap, base * 2^attempt)], the window
 * doubles per attempt and saturates at the cap without overflowing, bad arguments are
 * refused, a failing CSPRNG gives an error rather than a predictable wait, and the waits are
 * spread over the whole window (full jitter: both ends are reached, the mean is near the
 * middle), which is what keeps devices that lost their link together from retrying together.
 * getrandom is replaced through the linker (--wrap) so that its failure can be forced. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "keel/core.h"

#define BASE 1000u
#define CAP 60000u

static int fail_random;

ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
    if (fail_random) {
        errno = EIO;
        return -1;
    }
    return __real_getrandom(buf, len, flags);
}

/* min(cap, base * 2^attempt), computed independently in floating point (no overflow). */
static uint64_t window(uint32_t attempt, uint32_t base, uint32_t cap)
{
    double w = (double)base;
    for (uint32_t i = 0; i < attempt && w < (double)cap; i++)
        w *= 2;
    return w > (double)cap ? cap : (uint64_t)w;
}

static void test_bounds_per_attempt(void **state)
{
    (void)state;
    for (uint32_t a = 0; a <= 40; a++) {
        uint64_t w = window(a, BASE, CAP);
        uint32_t lo = UINT32_MAX, hi = 0, v;
        for (int i = 0; i < 2000; i++) {
            assert_int_equal(keel_backoff_ms(a, BASE, CAP, &v), KEEL_OK);
            assert_true(v <= w);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        /* The whole window is used: both its low and its high tenth are reached (the
         * chance that 2000 uniform draws miss either is below 1e-90). */
        assert_true(lo <= w / 10);
        assert_true(hi >= w - w / 10);
    }
}

static void test_window_doubles_then_saturates(void **state)
{
    uint32_t v, hi;
    (void)state;
    /* attempt 0: at most base; attempt 1: past base is reachable; attempt 6 and later:
     * the cap (1000 * 64 > 60000). */
    hi = 0;
    for (int i = 0; i < 4000; i++) {
        assert_int_equal(keel_backoff_ms(1, BASE, CAP, &v), KEEL_OK);
        hi = v > hi ? v : hi;
    }
    assert_true(hi > BASE && hi <= 2 * BASE);
    for (uint32_t a = 6; a < 64; a += 7) {
        hi = 0;
        for (int i = 0; i < 4000; i++) {
            assert_int_equal(keel_backoff_ms(a, BASE, CAP, &v), KEEL_OK);
            assert_true(v <= CAP);
            hi = v > hi ? v : hi;
        }
        assert_true(hi > CAP - CAP / 20);
    }
    assert_int_equal(keel_backoff_ms(UINT32_MAX, BASE, CAP, &v), KEEL_OK);
    assert_true(v <= CAP);
}

static void test_no_overflow_near_the_top(void **state)
{
    uint32_t v, hi = 0;
    int seen[2] = {0, 0};
    (void)state;
    /* base * 2 wraps 32 bits: the window must be the cap, not the wrapped product. */
    for (int i = 0; i < 200; i++) {
        assert_int_equal(keel_backoff_ms(1, 0x80000001u, UINT32_MAX, &v), KEEL_OK);
        hi = v > hi ? v : hi;
    }
    assert_true(hi > 0x80000001u); /* a wrapped window (2) would keep every draw tiny */
    for (uint32_t a = 0; a < 40; a++)
        assert_int_equal(keel_backoff_ms(a, UINT32_MAX, UINT32_MAX, &v), KEEL_OK);
    for (uint32_t a = 0; a < 40; a++) {
        assert_int_equal(keel_backoff_ms(a, 3000000000u, 4000000000u, &v), KEEL_OK);
        assert_true(v <= 4000000000u);
    }
    /* the smallest window: [0, 1], both values inclusive */
    for (int i = 0; i < 200; i++) {
        assert_int_equal(keel_backoff_ms(5, 1, 1, &v), KEEL_OK);
        assert_true(v <= 1);
        seen[v]++;
    }
    assert_true(seen[0] > 0 && seen[1] > 0);
}

static void test_argument_errors(void **state)
{
    uint32_t v = 7;
    (void)state;
    assert_int_equal(keel_backoff_ms(0, BASE, CAP, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_backoff_ms(0, 0, CAP, &v), KEEL_ERR_ARG);
    assert_int_equal(v, 0);
    v = 7;
    assert_int_equal(keel_backoff_ms(0, BASE, BASE - 1, &v), KEEL_ERR_ARG);
    assert_int_equal(v, 0);
    assert_int_equal(keel_backoff_ms(3, 0, 0, &v), KEEL_ERR_ARG);
}

static void test_random_failure_is_an_error(void **state)
{
    uint32_t v = 7;
    (void)state;
    fail_random = 1;
    assert_int_equal(keel_backoff_ms(2, BASE, CAP, &v), KEEL_ERR_RANDOM);
    assert_int_equal(v, 0);
    v = 7;
    assert_int_equal(keel_backoff_ms(2, UINT32_MAX, UINT32_MAX, &v), KEEL_ERR_RANDOM);
    assert_int_equal(v, 0);
    fail_random = 0;
}

/* Over many draws of the capped window the mean is near half of it and the values are
 * spread evenly: a chi-square test over ten equal bins of [0, CAP]. */
static void test_spread(void **state)
{
    enum { N = 50000, BINS = 10 };
    unsigned counts[BINS] = {0};
    double sum = 0, chi = 0, mean, expected = (double)N / BINS;
    uint32_t v, first = 0;
    int all_equal = 1;
    (void)state;
    for (int i = 0; i < N; i++) {
        assert_int_equal(keel_backoff_ms(10, BASE, CAP, &v), KEEL_OK);
        if (i == 0)
            first = v;
        else if (v != first)
            all_equal = 0;
        sum += v;
        counts[v * (uint64_t)BINS / (CAP + 1)]++;
    }
    assert_false(all_equal);
    mean = sum / N;
    /* standard error of the mean: CAP / sqrt(12 N), about 77 ms; allow 6 of them */
    assert_true(mean > CAP / 2.0 - 470 && mean < CAP / 2.0 + 470);
    for (int b = 0; b < BINS; b++)
        chi += (counts[b] - expected) * (counts[b] - expected) / expected;
    /* 9 degrees of freedom: 27.9 is the 0.999 quantile. */
    assert_true(chi < 27.9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds_per_attempt),
        cmocka_unit_test(test_window_doubles_then_saturates),
        cmocka_unit_test(test_no_overflow_near_the_top),
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_random_failure_is_an_error),
        cmocka_unit_test(test_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
