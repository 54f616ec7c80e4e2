/* The password policy of 5.1-4, rule by rule: each refusal carries its own reason, the
 * boundaries sit exactly where the header says, and the label password is refused in every
 * spelling keel_auth_label_canonical reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "keel/auth.h"

static keel_auth_weak check(const char *pw, size_t len, const char *label_hash)
{
    keel_auth_weak reason = KEEL_AUTH_WEAK_LABEL;
    keel_err ret = keel_auth_password_check(pw, len, label_hash, &reason);

    if (ret == KEEL_OK)
        assert_int_equal(reason, KEEL_AUTH_WEAK_NONE);
    else
        assert_int_equal(ret, KEEL_ERR_AUTH_WEAK);
    return reason;
}

static keel_auth_weak check_str(const char *pw)
{
    return check(pw, strlen(pw), NULL);
}

static void test_good_passwords(void **state)
{
    (void)state;
    assert_int_equal(check_str("correct horse battery"), KEEL_AUTH_WEAK_NONE);
    assert_int_equal(check_str("Tr0ub4dor&3x"), KEEL_AUTH_WEAK_NONE);
    /* ten code points of two bytes each: counted as characters, not bytes */
    assert_int_equal(check_str("\xc3\xa9t\xc3\xa9-\xc3\xa0-l'\xc3\xa9t\xc3\xa9"),
                     KEEL_AUTH_WEAK_NONE);
}

static void test_too_short(void **state)
{
    (void)state;
    assert_int_equal(check_str(""), KEEL_AUTH_WEAK_TOO_SHORT);
    assert_int_equal(check(NULL, 0, NULL), KEEL_AUTH_WEAK_TOO_SHORT);
    assert_int_equal(check_str("x7#kQ!m2p"), KEEL_AUTH_WEAK_TOO_SHORT); /* 9 */
    assert_int_equal(check_str("x7#kQ!m2pZ"), KEEL_AUTH_WEAK_NONE);     /* 10 */
    /* 9 code points in 18 bytes: still too short */
    assert_int_equal(check_str("\xc3\xa9\xc3\xa8\xc3\xaa\xc3\xab\xc3\xa0\xc3\xa2\xc3\xa4\xc3\xae"
                               "\xc3\xaf"),
                     KEEL_AUTH_WEAK_TOO_SHORT);
    /* a 4-byte emoji counts once */
    assert_int_equal(check_str("\xf0\x9f\x94\x92lock-kee"), KEEL_AUTH_WEAK_TOO_SHORT);
    assert_int_equal(check_str("\xf0\x9f\x94\x92lock-keel"), KEEL_AUTH_WEAK_NONE);
}

static void test_too_long(void **state)
{
    char pw[KEEL_AUTH_PASSWORD_MAX_BYTES + 2];

    (void)state;
    for (size_t i = 0; i < sizeof(pw); i++)
        pw[i] = (char)('a' + i % 26);
    assert_int_equal(check(pw, KEEL_AUTH_PASSWORD_MAX_BYTES, NULL), KEEL_AUTH_WEAK_NONE);
    assert_int_equal(check(pw, KEEL_AUTH_PASSWORD_MAX_BYTES + 1, NULL), KEEL_AUTH_WEAK_TOO_LONG);
    assert_int_equal(check(pw, sizeof(pw), NULL), KEEL_AUTH_WEAK_TOO_LONG);
}

static void test_not_utf8(void **state)
{
    (void)state;
    assert_int_equal(check_str("abcdefghij\xff"), KEEL_AUTH_WEAK_NOT_UTF8);
    assert_int_equal(check_str("abcdefghij\xc3"), KEEL_AUTH_WEAK_NOT_UTF8);         /* cut */
    assert_int_equal(check_str("abcdefghij\xc0\xaf"), KEEL_AUTH_WEAK_NOT_UTF8);     /* overlong */
    assert_int_equal(check_str("abcdefghij\xed\xa0\x80"), KEEL_AUTH_WEAK_NOT_UTF8); /* surrogate */
    assert_int_equal(check("abcde\0fghijk", 12, NULL), KEEL_AUTH_WEAK_NOT_UTF8);
}

static void test_one_character(void **state)
{
    (void)state;
    assert_int_equal(check_str("qqqqqqqqqqqqqqqq"), KEEL_AUTH_WEAK_ONE_CHAR);
    assert_int_equal(check_str("##########"), KEEL_AUTH_WEAK_ONE_CHAR);
    assert_int_equal(check_str("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                               "\xc3\xa9\xc3\xa9"),
                     KEEL_AUTH_WEAK_ONE_CHAR);
    assert_int_equal(check_str("qqqqqqqqqqqqqqqr"), KEEL_AUTH_WEAK_NONE);
}

static void test_common(void **state)
{
    (void)state;
    assert_int_equal(check_str("1234567890"), KEEL_AUTH_WEAK_COMMON);
    assert_int_equal(check_str("qwertyuiop"), KEEL_AUTH_WEAK_COMMON);
    assert_int_equal(check_str("password123"), KEEL_AUTH_WEAK_COMMON);
    assert_int_equal(check_str("PASSWORD123"), KEEL_AUTH_WEAK_COMMON); /* case ignored */
    assert_int_equal(check_str("PassWord123"), KEEL_AUTH_WEAK_COMMON);
    assert_int_equal(check_str("1qaz2wsx3edc"), KEEL_AUTH_WEAK_COMMON);
    assert_int_equal(check_str("password123x"), KEEL_AUTH_WEAK_NONE);
    assert_true(keel_auth_password_is_common("123456", 6));
    assert_true(keel_auth_password_is_common("Admin", 5));
    assert_false(keel_auth_password_is_common("iloveyou", 7)); /* a prefix is not an entry */
    assert_false(keel_auth_password_is_common("zz-not-a-common-one", 19));
    assert_false(keel_auth_password_is_common(NULL, 3));
    assert_false(keel_auth_password_is_common("pass\0word", 9));
}

/* The label password, as printed, in lower case, without dashes, with spaces: refused. A
 * different valid-looking label password is fine. */
static void test_label(void **state)
{
    static const char *spellings[] = {NULL, NULL, NULL, NULL};
    char hash[KEEL_AUTH_HASH_MAX];
    char lower[KEEL_AUTH_LABEL_LEN + 1];
    char bare[KEEL_AUTH_LABEL_LEN + 1];
    char spaced[2 * KEEL_AUTH_LABEL_LEN + 1];
    char text[KEEL_AUTH_LABEL_LEN + 1];
    keel_secret label;
    keel_secret other;
    size_t nb = 0;
    size_t ns = 0;

    (void)state;
    assert_int_equal(keel_auth_label_password(&label), KEEL_OK);
    assert_int_equal(keel_auth_hash_password(&label, hash, sizeof(hash)), KEEL_OK);
    memcpy(text, keel_secret_bytes(&label), KEEL_AUTH_LABEL_LEN);
    text[KEEL_AUTH_LABEL_LEN] = '\0';
    for (size_t i = 0; i <= KEEL_AUTH_LABEL_LEN; i++) {
        char c = text[i];
        lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        if (c != '-')
            bare[nb++] = c;
        spaced[ns++] = c == '-' ? ' ' : c;
    }
    spellings[0] = text;
    spellings[1] = lower;
    spellings[2] = bare;
    spellings[3] = spaced;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(check(spellings[i], strlen(spellings[i]), hash), KEEL_AUTH_WEAK_LABEL);
    /* without the hash the rule is skipped */
    assert_int_equal(check(text, strlen(text), NULL), KEEL_AUTH_WEAK_NONE);
    assert_int_equal(keel_auth_label_password(&other), KEEL_OK);
    assert_int_equal(check(keel_secret_bytes(&other), keel_secret_len(&other), hash),
                     KEEL_AUTH_WEAK_NONE);
    keel_secret_clear(&label);
    keel_secret_clear(&other);
}

static void test_errors_and_names(void **state)
{
    keel_auth_weak reason;
    keel_secret label;

    (void)state;
    assert_int_equal(keel_auth_password_check("abc", 3, NULL, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_password_check(NULL, 3, NULL, &reason), KEEL_ERR_ARG);
    /* a damaged label hash gives no decision rather than a pass */
    assert_int_equal(keel_auth_label_password(&label), KEEL_OK);
    assert_int_equal(keel_auth_password_check(keel_secret_bytes(&label), keel_secret_len(&label),
                                              "$argon2id$broken", &reason),
                     KEEL_ERR_PARSE);
    keel_secret_clear(&label);
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_TOO_SHORT), "too short");
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_TOO_LONG), "too long");
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_NOT_UTF8), "not utf-8");
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_ONE_CHAR), "one character");
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_COMMON), "common password");
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_LABEL), "label password");
    assert_string_equal(keel_auth_weak_name(KEEL_AUTH_WEAK_NONE), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_passwords), cmocka_unit_test(test_too_short),
        cmocka_unit_test(test_too_long),       cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_one_character),  cmocka_unit_test(test_common),
        cmocka_unit_test(test_label),          cmocka_unit_test(test_errors_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
