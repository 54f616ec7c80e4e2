/* Label passwords (5.1-1, 5.1-2): alphabet, length, grouping, strength, uniqueness. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keel/auth.h"

#define COUNT 10000

static void test_alphabet_has_no_lookalikes(void **state)
{
    const char *alphabet = KEEL_AUTH_LABEL_ALPHABET;

    (void)state;
    for (const char *c = "01ILOBSZ"; *c != '\0'; c++)
        assert_null(strchr(alphabet, *c));
    /* 5.1-2: at least 80 bits */
    assert_true(KEEL_AUTH_LABEL_SYMBOLS * log2((double)strlen(alphabet)) >= 80.0);
}

static void test_shape(void **state)
{
    keel_secret pw;

    (void)state;
    for (int n = 0; n < 200; n++) {
        const char *p;
        assert_int_equal(keel_auth_label_password(&pw), KEEL_OK);
        assert_int_equal(keel_secret_len(&pw), KEEL_AUTH_LABEL_LEN);
        p = keel_secret_bytes(&pw);
        for (size_t i = 0; i < KEEL_AUTH_LABEL_LEN; i++) {
            if (i % (KEEL_AUTH_LABEL_GROUP + 1) == KEEL_AUTH_LABEL_GROUP)
                assert_int_equal(p[i], '-');
            else
                assert_non_null(
                    memchr(KEEL_AUTH_LABEL_ALPHABET, p[i], sizeof(KEEL_AUTH_LABEL_ALPHABET) - 1));
        }
    }
    keel_secret_clear(&pw);
}

static int cmp(const void *a, const void *b)
{
    return memcmp(a, b, KEEL_AUTH_LABEL_LEN);
}

/* 10 000 passwords, all different, and every symbol of the alphabet in use. */
static void test_unique(void **state)
{
    char(*all)[KEEL_AUTH_LABEL_LEN] = calloc(COUNT, KEEL_AUTH_LABEL_LEN);
    int seen[256] = {0};
    keel_secret pw;

    (void)state;
    assert_non_null(all);
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(keel_auth_label_password(&pw), KEEL_OK);
        memcpy(all[i], keel_secret_bytes(&pw), KEEL_AUTH_LABEL_LEN);
        for (size_t j = 0; j < KEEL_AUTH_LABEL_LEN; j++)
            seen[(unsigned char)all[i][j]] = 1;
    }
    qsort(all, COUNT, KEEL_AUTH_LABEL_LEN, cmp);
    for (int i = 1; i < COUNT; i++)
        assert_int_not_equal(memcmp(all[i - 1], all[i], KEEL_AUTH_LABEL_LEN), 0);
    for (const char *c = KEEL_AUTH_LABEL_ALPHABET; *c != '\0'; c++)
        assert_true(seen[(unsigned char)*c]);
    keel_wipe(all, (size_t)COUNT * KEEL_AUTH_LABEL_LEN);
    free(all);
    keel_secret_clear(&pw);
}

static void test_null(void **state)
{
    (void)state;
    assert_int_equal(keel_auth_label_password(NULL), KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alphabet_has_no_lookalikes),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
