/* keel_random fails closed: a failing or short getrandom never yields weak bytes.
 * getrandom is replaced through the linker (--wrap) so each failure can be forced. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "keel/core.h"

enum mode { REAL, FAIL_EIO, ONE_BYTE, EINTR_ONCE, ZERO };
static enum mode mode = REAL;
static int eintr_left;

ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
    switch (mode) {
    case FAIL_EIO:
        /* Write something first: keel must not keep bytes from a failed call. */
        memset(buf, 0x5a, len);
        errno = EIO;
        return -1;
    case ONE_BYTE: return __real_getrandom(buf, 1, flags);
    case EINTR_ONCE:
        if (eintr_left-- > 0) {
            errno = EINTR;
            return -1;
        }
        return __real_getrandom(buf, len, flags);
    case ZERO: return 0;
    case REAL: break;
    }
    return __real_getrandom(buf, len, flags);
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return 0;
    }
    return 1;
}

static void test_fills_buffer(void **state)
{
    uint8_t a[64] = {0};
    uint8_t b[64] = {0};
    (void)state;
    mode = REAL;
    assert_int_equal(keel_random(a, sizeof(a)), KEEL_OK);
    assert_int_equal(keel_random(b, sizeof(b)), KEEL_OK);
    assert_false(all_zero(a, sizeof(a)));
    assert_memory_not_equal(a, b, sizeof(a));
}

static void test_failure_wipes_and_errors(void **state)
{
    uint8_t buf[32];
    (void)state;
    memset(buf, 0xaa, sizeof(buf));
    mode = FAIL_EIO;
    assert_int_equal(keel_random(buf, sizeof(buf)), KEEL_ERR_RANDOM);
    assert_true(all_zero(buf, sizeof(buf)));
    mode = ZERO;
    memset(buf, 0xaa, sizeof(buf));
    assert_int_equal(keel_random(buf, sizeof(buf)), KEEL_ERR_RANDOM);
    assert_true(all_zero(buf, sizeof(buf)));
    mode = REAL;
}

static void test_short_reads_and_eintr_complete(void **state)
{
    uint8_t buf[40] = {0};
    (void)state;
    mode = ONE_BYTE;
    assert_int_equal(keel_random(buf, sizeof(buf)), KEEL_OK);
    assert_false(all_zero(buf, sizeof(buf)));
    mode = EINTR_ONCE;
    eintr_left = 3;
    memset(buf, 0, sizeof(buf));
    assert_int_equal(keel_random(buf, sizeof(buf)), KEEL_OK);
    assert_false(all_zero(buf, sizeof(buf)));
    mode = REAL;
}

static void test_uniform(void **state)
{
    unsigned counts[3] = {0};
    uint32_t v;
    double chi = 0;
    const unsigned n = 30000;
    (void)state;
    mode = REAL;
    assert_int_equal(keel_random_uniform(0, &v), KEEL_ERR_ARG);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(keel_random_uniform(3, &v), KEEL_OK);
        assert_true(v < 3);
        counts[v]++;
    }
    for (int i = 0; i < 3; i++) {
        double d = counts[i] - n / 3.0;
        chi += d * d / (n / 3.0);
    }
    /* 2 degrees of freedom: 13.8 is the 0.999 quantile. */
    assert_true(chi < 13.8);
    mode = FAIL_EIO;
    assert_int_equal(keel_random_uniform(3, &v), KEEL_ERR_RANDOM);
    mode = REAL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fills_buffer),
        cmocka_unit_test(test_failure_wipes_and_errors),
        cmocka_unit_test(test_short_reads_and_eintr_complete),
        cmocka_unit_test(test_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
