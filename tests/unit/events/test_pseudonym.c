/* The telemetry pseudonym (6-4): 32 lower-case hex digits of 16 bytes from the CSPRNG, a new
 * one each time; when the CSPRNG fails there is no pseudonym at all, never a weak one.
 * getrandom is replaced through the linker (--wrap) to show where the bytes come from. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include <cmocka.h>

#include "keel/events.h"

enum mode { REAL, FIXED, FAIL };
static enum mode mode = REAL;

ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
    uint8_t *p = buf;

    switch (mode) {
    case FIXED:
        for (size_t i = 0; i < len; i++)
            p[i] = (uint8_t)(0xf0 + i);
        return (ssize_t)len;
    case FAIL:
        memset(buf, 0x5a, len);
        errno = EIO;
        return -1;
    case REAL: break;
    }
    return __real_getrandom(buf, len, flags);
}

static void test_from_the_csprng(void **state)
{
    char p[KEEL_EVENT_PSEUDONYM_HEX + 1];
    (void)state;
    mode = FIXED;
    assert_int_equal(keel_event_pseudonym_new(p), KEEL_OK);
    mode = REAL;
    /* exactly 16 bytes, hex-encoded, nothing else mixed in */
    assert_string_equal(p, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    assert_true(keel_event_pseudonym_valid(p));
}

static void test_fresh_each_time(void **state)
{
    char a[KEEL_EVENT_PSEUDONYM_HEX + 1], b[KEEL_EVENT_PSEUDONYM_HEX + 1];
    (void)state;
    assert_int_equal(keel_event_pseudonym_new(a), KEEL_OK);
    assert_int_equal(keel_event_pseudonym_new(b), KEEL_OK);
    assert_true(keel_event_pseudonym_valid(a));
    assert_true(keel_event_pseudonym_valid(b));
    assert_string_not_equal(a, b);
}

static void test_fails_closed(void **state)
{
    char p[KEEL_EVENT_PSEUDONYM_HEX + 1];
    (void)state;
    memset(p, 'a', sizeof(p));
    mode = FAIL;
    assert_int_equal(keel_event_pseudonym_new(p), KEEL_ERR_RANDOM);
    mode = REAL;
    assert_string_equal(p, "");
    assert_int_equal(keel_event_pseudonym_new(NULL), KEEL_ERR_ARG);
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(keel_event_pseudonym_valid("0123456789abcdef0123456789abcdef"));
    assert_false(keel_event_pseudonym_valid("0123456789ABCDEF0123456789abcdef"));
    assert_false(keel_event_pseudonym_valid("0123456789abcdef0123456789abcde"));
    assert_false(keel_event_pseudonym_valid("0123456789abcdef0123456789abcdef0"));
    assert_false(keel_event_pseudonym_valid("0123456789abcdef0123456789abcdeg"));
    assert_false(keel_event_pseudonym_valid(""));
    assert_false(keel_event_pseudonym_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_the_csprng),
        cmocka_unit_test(test_fresh_each_time),
        cmocka_unit_test(test_fails_closed),
        cmocka_unit_test(test_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
