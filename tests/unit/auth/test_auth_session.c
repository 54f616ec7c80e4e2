/* Sessions (5.5-4): create, validate, expire, end, a full table, wrong tokens; the table
 * never holds a token itself. Time is passed in, so expiry needs no sleeping. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "keel/auth.h"

#define TTL_S 900u
#define T0 1000000u

struct fixture {
    keel_auth_session slots[3];
    keel_auth_sessions table;
};

static int setup(void **state)
{
    static struct fixture f;

    if (keel_auth_sessions_init(&f.table, f.slots, 3, TTL_S) != KEEL_OK)
        return -1;
    *state = &f;
    return 0;
}

static void test_create_validate(void **state)
{
    struct fixture *f = *state;
    char tok[KEEL_AUTH_TOKEN_SIZE];
    char tok2[KEEL_AUTH_TOKEN_SIZE];

    assert_int_equal(keel_auth_session_create(&f->table, T0, tok), KEEL_OK);
    assert_int_equal(strlen(tok), KEEL_AUTH_TOKEN_TEXT_LEN);
    assert_int_equal(strspn(tok, "0123456789abcdef"), KEEL_AUTH_TOKEN_TEXT_LEN);
    assert_int_equal(keel_auth_session_validate(&f->table, T0 + 1, tok, strlen(tok)), KEEL_OK);
    assert_int_equal(keel_auth_session_create(&f->table, T0, tok2), KEEL_OK);
    assert_string_not_equal(tok, tok2);
    /* the table stores hashes only */
    assert_null(memmem(f->slots, sizeof(f->slots), tok, KEEL_AUTH_TOKEN_TEXT_LEN));
    assert_null(memmem(f->slots, sizeof(f->slots), tok2, KEEL_AUTH_TOKEN_TEXT_LEN));
}

static void test_wrong_token(void **state)
{
    struct fixture *f = *state;
    char tok[KEEL_AUTH_TOKEN_SIZE];

    assert_int_equal(keel_auth_session_create(&f->table, T0, tok), KEEL_OK);
    tok[10] = tok[10] == 'a' ? 'b' : 'a';
    assert_int_equal(keel_auth_session_validate(&f->table, T0, tok, strlen(tok)),
                     KEEL_ERR_AUTH_DENIED);
    assert_int_equal(keel_auth_session_validate(&f->table, T0, tok, 63), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(keel_auth_session_validate(&f->table, T0, "", 0), KEEL_ERR_AUTH_DENIED);
    /* an all-zero token must not match an empty (all-zero) slot */
    memset(tok, 0, KEEL_AUTH_TOKEN_TEXT_LEN);
    assert_int_equal(keel_auth_session_validate(&f->table, T0, tok, KEEL_AUTH_TOKEN_TEXT_LEN),
                     KEEL_ERR_AUTH_DENIED);
}

static void test_expiry(void **state)
{
    struct fixture *f = *state;
    char tok[KEEL_AUTH_TOKEN_SIZE];
    uint64_t end = T0 + (uint64_t)TTL_S * 1000u;

    assert_int_equal(keel_auth_session_create(&f->table, T0, tok), KEEL_OK);
    assert_int_equal(keel_auth_session_validate(&f->table, end - 1, tok, 64), KEEL_OK);
    assert_int_equal(keel_auth_session_validate(&f->table, end, tok, 64), KEEL_ERR_AUTH_EXPIRED);
    /* the expired slot was freed: the token is simply unknown now */
    assert_int_equal(keel_auth_session_validate(&f->table, T0, tok, 64), KEEL_ERR_AUTH_DENIED);
}

static void test_logout(void **state)
{
    struct fixture *f = *state;
    char tok[KEEL_AUTH_TOKEN_SIZE];
    char other[KEEL_AUTH_TOKEN_SIZE];

    assert_int_equal(keel_auth_session_create(&f->table, T0, tok), KEEL_OK);
    assert_int_equal(keel_auth_session_create(&f->table, T0, other), KEEL_OK);
    assert_int_equal(keel_auth_session_end(&f->table, tok, 64), KEEL_OK);
    assert_int_equal(keel_auth_session_validate(&f->table, T0, tok, 64), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(keel_auth_session_end(&f->table, tok, 64), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(keel_auth_session_validate(&f->table, T0, other, 64), KEEL_OK);
}

static void test_full_and_reuse(void **state)
{
    struct fixture *f = *state;
    char tok[4][KEEL_AUTH_TOKEN_SIZE];

    for (int i = 0; i < 3; i++)
        assert_int_equal(keel_auth_session_create(&f->table, T0, tok[i]), KEEL_OK);
    assert_int_equal(keel_auth_session_create(&f->table, T0, tok[3]), KEEL_ERR_AUTH_FULL);
    assert_int_equal(tok[3][0], '\0');
    /* logging out frees a slot */
    assert_int_equal(keel_auth_session_end(&f->table, tok[1], 64), KEEL_OK);
    assert_int_equal(keel_auth_session_create(&f->table, T0, tok[3]), KEEL_OK);
    assert_int_equal(keel_auth_session_create(&f->table, T0, tok[1]), KEEL_ERR_AUTH_FULL);
    /* after expiry every slot is reusable without anyone validating first */
    for (int i = 0; i < 3; i++)
        assert_int_equal(keel_auth_session_create(&f->table, T0 + TTL_S * 1000u, tok[i]), KEEL_OK);
    assert_int_equal(keel_auth_session_validate(&f->table, T0 + TTL_S * 1000u, tok[3], 64),
                     KEEL_ERR_AUTH_DENIED);
}

static void test_wipe(void **state)
{
    struct fixture *f = *state;
    char tok[KEEL_AUTH_TOKEN_SIZE];

    assert_int_equal(keel_auth_session_create(&f->table, T0, tok), KEEL_OK);
    keel_auth_sessions_wipe(&f->table);
    keel_auth_sessions_wipe(NULL);
    assert_int_equal(keel_auth_session_validate(&f->table, T0, tok, 64), KEEL_ERR_AUTH_DENIED);
}

static void test_init_args_and_clock(void **state)
{
    keel_auth_session slots[1];
    keel_auth_sessions t;
    uint64_t a = keel_auth_now_ms();
    uint64_t b = keel_auth_now_ms();

    (void)state;
    assert_true(b >= a);
    assert_int_equal(keel_auth_sessions_init(&t, slots, 0, 1), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_sessions_init(&t, slots, 1, 0), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_sessions_init(NULL, slots, 1, 1), KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_validate, setup),
        cmocka_unit_test_setup(test_wrong_token, setup),
        cmocka_unit_test_setup(test_expiry, setup),
        cmocka_unit_test_setup(test_logout, setup),
        cmocka_unit_test_setup(test_full_and_reuse, setup),
        cmocka_unit_test_setup(test_wipe, setup),
        cmocka_unit_test(test_init_args_and_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
