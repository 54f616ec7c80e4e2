/* Bounded buffers and strings: every overflow is refused whole, nothing is truncated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "keel/core.h"

static void test_buf(void **state)
{
    uint8_t mem[8];
    keel_buf b;
    (void)state;
    keel_buf_init(&b, mem, sizeof(mem));
    assert_int_equal(keel_buf_append_str(&b, "abcde"), KEEL_OK);
    assert_int_equal(keel_buf_append(&b, "xyzw", 4), KEEL_ERR_RANGE);
    assert_int_equal(b.len, 5); /* the refused append changed nothing */
    assert_memory_equal(b.data, "abcde", 5);
    assert_int_equal(keel_buf_append(&b, "xyz", 3), KEEL_OK);
    assert_int_equal(b.len, 8);
    assert_int_equal(keel_buf_append(&b, "", 0), KEEL_OK);
    assert_int_equal(keel_buf_append(&b, NULL, 1), KEEL_ERR_ARG);
    assert_int_equal(keel_buf_append_str(&b, NULL), KEEL_ERR_ARG);
    keel_buf_reset(&b);
    assert_int_equal(b.len, 0);
    for (size_t i = 0; i < sizeof(mem); i++)
        assert_int_equal(mem[i], 0); /* reset wipes */
    keel_buf_reset(NULL);
}

static void test_str_copy(void **state)
{
    char dst[6];
    (void)state;
    assert_int_equal(keel_str_copy(dst, sizeof(dst), "hello"), KEEL_OK);
    assert_string_equal(dst, "hello");
    assert_int_equal(keel_str_copy(dst, sizeof(dst), "hello!"), KEEL_ERR_RANGE);
    assert_string_equal(dst, "");
    assert_int_equal(keel_str_copy(dst, 0, "x"), KEEL_ERR_ARG);
    assert_int_equal(keel_str_copy(dst, sizeof(dst), NULL), KEEL_ERR_ARG);
}

static void test_str_format(void **state)
{
    char dst[8];
    (void)state;
    assert_int_equal(keel_str_format(dst, sizeof(dst), "%s-%d", "ab", 42), KEEL_OK);
    assert_string_equal(dst, "ab-42");
    assert_int_equal(keel_str_format(dst, sizeof(dst), "%s", "12345678"), KEEL_ERR_RANGE);
    assert_string_equal(dst, "");
    assert_int_equal(keel_str_format(dst, sizeof(dst), "%s", "1234567"), KEEL_OK);
}

static void test_str_to_u64(void **state)
{
    uint64_t v = 7;
    (void)state;
    assert_int_equal(keel_str_to_u64("8443", 1, 65535, &v), KEEL_OK);
    assert_int_equal(v, 8443);
    assert_int_equal(keel_str_to_u64("0", 1, 65535, &v), KEEL_ERR_RANGE);
    assert_int_equal(keel_str_to_u64("65536", 1, 65535, &v), KEEL_ERR_RANGE);
    assert_int_equal(keel_str_to_u64("18446744073709551615", 0, UINT64_MAX, &v), KEEL_OK);
    assert_true(v == UINT64_MAX);
    assert_int_equal(keel_str_to_u64("18446744073709551616", 0, UINT64_MAX, &v), KEEL_ERR_RANGE);
    assert_int_equal(keel_str_to_u64("-1", 0, 10, &v), KEEL_ERR_PARSE);
    assert_int_equal(keel_str_to_u64(" 1", 0, 10, &v), KEEL_ERR_PARSE);
    assert_int_equal(keel_str_to_u64("1x", 0, 10, &v), KEEL_ERR_PARSE);
    assert_int_equal(keel_str_to_u64("", 0, 10, &v), KEEL_ERR_ARG);
    assert_int_equal(keel_str_to_u64("5", 10, 0, &v), KEEL_ERR_ARG);
}

static void test_hex(void **state)
{
    char out[7];
    (void)state;
    assert_int_equal(keel_hex_encode("\x00\xab\xff", 3, out, sizeof(out)), KEEL_OK);
    assert_string_equal(out, "00abff");
    assert_int_equal(keel_hex_encode("\x00\xab\xff\x01", 4, out, sizeof(out)), KEEL_ERR_RANGE);
    assert_int_equal(keel_hex_encode("", 0, out, 1), KEEL_OK);
    assert_string_equal(out, "");
    assert_int_equal(keel_hex_encode("a", 1, out, 0), KEEL_ERR_RANGE);
}

static void test_utf8(void **state)
{
    uint32_t cp = 0;
    (void)state;
    assert_int_equal(keel_utf8_next("A", 1, &cp), 1);
    assert_int_equal(cp, 0x41);
    assert_int_equal(keel_utf8_next("\xc3\xa9", 2, &cp), 2); /* U+00E9 */
    assert_int_equal(cp, 0xe9);
    assert_int_equal(keel_utf8_next("\xe2\x80\x99", 3, &cp), 3); /* U+2019 */
    assert_int_equal(cp, 0x2019);
    assert_int_equal(keel_utf8_next("\xf0\x9f\x94\x92", 4, &cp), 4); /* U+1F512 */
    assert_int_equal(cp, 0x1f512);
    assert_int_equal(keel_utf8_next("\xe2\x80\x99", 2, NULL), 0);     /* truncated */
    assert_int_equal(keel_utf8_next("\xc0\x80", 2, NULL), 0);         /* overlong NUL */
    assert_int_equal(keel_utf8_next("\xe0\x80\xaf", 3, NULL), 0);     /* overlong '/' */
    assert_int_equal(keel_utf8_next("\xed\xa0\x80", 3, NULL), 0);     /* surrogate */
    assert_int_equal(keel_utf8_next("\xf4\x90\x80\x80", 4, NULL), 0); /* past U+10FFFF */
    assert_int_equal(keel_utf8_next("\x80", 1, NULL), 0);             /* lone continuation */
    assert_int_equal(keel_utf8_next("\xc3\x28", 2, NULL), 0);         /* bad continuation */
    assert_int_equal(keel_utf8_next("", 0, NULL), 0);
}

static void test_ct_equal(void **state)
{
    uint8_t a[33];
    uint8_t b[33];
    (void)state;
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = b[i] = (uint8_t)(i * 7);
    assert_int_equal(keel_ct_equal(a, b, sizeof(a)), 1);
    assert_int_equal(keel_ct_equal(a, b, 0), 1);
    for (size_t i = 0; i < sizeof(a); i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(keel_ct_equal(a, b, sizeof(a)), 0);
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
}

static void test_wipe(void **state)
{
    uint8_t p[16];
    (void)state;
    memset(p, 0xee, sizeof(p));
    keel_wipe(p, sizeof(p));
    for (size_t i = 0; i < sizeof(p); i++)
        assert_int_equal(p[i], 0);
    keel_wipe(NULL, 0);
}

static void test_strerror(void **state)
{
    static const keel_err all[] = {
        KEEL_OK,
        KEEL_ERR_ARG,
        KEEL_ERR_NOMEM,
        KEEL_ERR_IO,
        KEEL_ERR_RANDOM,
        KEEL_ERR_RANGE,
        KEEL_ERR_PARSE,
        KEEL_ERR_NOT_FOUND,
        KEEL_ERR_TOO_LARGE,
        KEEL_ERR_CRYPTO,
        KEEL_ERR_PERM,
        KEEL_ERR_EXISTS,
        KEEL_ERR_CATALOG_VERSION,
        KEEL_ERR_AUTH_DENIED,
        KEEL_ERR_AUTH_EXPIRED,
        KEEL_ERR_AUTH_FULL,
        KEEL_ERR_TLS_POLICY,
        KEEL_ERR_UPDATE_UNSIGNED,
        KEEL_ERR_UPDATE_THRESHOLD,
        KEEL_ERR_UPDATE_ROLLBACK,
        KEEL_ERR_UPDATE_EXPIRED,
        KEEL_ERR_UPDATE_MISMATCH,
        KEEL_ERR_UPDATE_TOO_LONG,
        KEEL_ERR_UPDATE_HASH,
        KEEL_ERR_UPDATE_HARDWARE,
        KEEL_ERR_UPDATE_DOWNGRADE,
        KEEL_ERR_UPDATE_FETCH,
        KEEL_ERR_UPDATE_BOOT,
        KEEL_ERR_INTEGRITY_MISMATCH,
    };
    (void)state;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        assert_string_not_equal(keel_strerror(all[i]), "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(keel_strerror(all[i]), keel_strerror(all[j]));
    }
    assert_string_equal(keel_strerror((keel_err)-9999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),        cmocka_unit_test(test_str_copy),
        cmocka_unit_test(test_str_format), cmocka_unit_test(test_str_to_u64),
        cmocka_unit_test(test_hex),        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_ct_equal),   cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
