/* Argon2id hashing and verification: round trip, wrong passwords, and stored hashes that
 * were truncated or edited must never verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keel/auth.h"

static const keel_auth_argon2_params default_profile = {
    KEEL_AUTH_ARGON2_DEFAULT_M_KIB, KEEL_AUTH_ARGON2_DEFAULT_T, KEEL_AUTH_ARGON2_P};
static const keel_auth_argon2_params small_profile = {KEEL_AUTH_ARGON2_SMALL_M_KIB,
                                                      KEEL_AUTH_ARGON2_SMALL_T, KEEL_AUTH_ARGON2_P};

static void set_pw(keel_secret *s, const char *text)
{
    assert_int_equal(keel_secret_set(s, text, strlen(text)), KEEL_OK);
}

static void test_round_trip(void **state)
{
    char enc[KEEL_AUTH_HASH_MAX];
    keel_secret pw;

    (void)state;
    char prefix[64];
    const keel_auth_argon2_params *prof = keel_auth_argon2_profile();

    set_pw(&pw, "7KQ3-M9TX-C4RH-2VWE-P6NA");
    assert_int_equal(keel_auth_hash_password(&pw, enc, sizeof(enc)), KEEL_OK);
    assert_int_equal(keel_str_format(prefix, sizeof(prefix), "$argon2id$v=19$m=%u,t=%u,p=1$",
                                     (unsigned)prof->m_kib, (unsigned)prof->t),
                     KEEL_OK);
    assert_true(strncmp(enc, prefix, strlen(prefix)) == 0);
    assert_null(strstr(enc, "7KQ3"));
    assert_int_equal(keel_auth_verify_password(enc, &pw), KEEL_OK);
    keel_secret_clear(&pw);
}

static void test_wrong_password_denied(void **state)
{
    char enc[KEEL_AUTH_HASH_MAX];
    keel_secret pw;
    keel_secret other;

    (void)state;
    set_pw(&pw, "correct horse");
    set_pw(&other, "correct hors");
    assert_int_equal(keel_auth_hash_password(&pw, enc, sizeof(enc)), KEEL_OK);
    assert_int_equal(keel_auth_verify_password(enc, &other), KEEL_ERR_AUTH_DENIED);
    set_pw(&other, "correct horse ");
    assert_int_equal(keel_auth_verify_password(enc, &other), KEEL_ERR_AUTH_DENIED);
    set_pw(&other, "x");
    assert_int_equal(keel_auth_verify_password(enc, &other), KEEL_ERR_AUTH_DENIED);
}

static void test_salts_differ(void **state)
{
    char a[KEEL_AUTH_HASH_MAX];
    char b[KEEL_AUTH_HASH_MAX];
    keel_secret pw;

    (void)state;
    set_pw(&pw, "same password");
    assert_int_equal(keel_auth_hash_password(&pw, a, sizeof(a)), KEEL_OK);
    assert_int_equal(keel_auth_hash_password(&pw, b, sizeof(b)), KEEL_OK);
    assert_string_not_equal(a, b);
}

static void test_bad_arguments(void **state)
{
    char enc[KEEL_AUTH_HASH_MAX];
    char small[40];
    keel_secret pw;

    (void)state;
    keel_secret_clear(&pw);
    assert_int_equal(keel_auth_hash_password(&pw, enc, sizeof(enc)), KEEL_ERR_ARG);
    set_pw(&pw, "pw");
    assert_int_equal(keel_auth_hash_password(&pw, small, sizeof(small)), KEEL_ERR_RANGE);
    assert_string_equal(small, "");
    assert_int_equal(keel_auth_hash_password(NULL, enc, sizeof(enc)), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_verify_password(NULL, &pw), KEEL_ERR_ARG);
}

/* Every malformed variant is refused as malformed: truncations at every length, and
 * edits to the structure, type, version and parameters. */
static void test_malformed_refused(void **state)
{
    static const char *edits[][2] = {
        {"$argon2id$", "$argon2i$"},
        {"$argon2id$", "$argon2d$"},
        {"v=19", "v=16"},
        {"m=19456", "m=4096"},
        {"m=19456", "m=019456"},
        {"t=2", "t=1"},
        {"t=2", "t=99"},
        {"p=1", "p=0"},
        {"m=19456", "m=999999999"},
        {"m=19456", "m=7168"}, /* small's memory with default's passes: weaker than both */
        {"t=2", "t=17"},
        {"p=1", "p=9"},
    };
    char enc[KEEL_AUTH_HASH_MAX];
    char bad[2 * KEEL_AUTH_HASH_MAX];
    keel_secret pw;
    size_t len;

    (void)state;
    set_pw(&pw, "label password");
    assert_int_equal(keel_auth_hash_password_params(&default_profile, &pw, enc, sizeof(enc)),
                     KEEL_OK);
    len = strlen(enc);
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(bad, enc, cut);
        bad[cut] = '\0';
        assert_int_equal(keel_auth_verify_password(bad, &pw), KEEL_ERR_PARSE);
    }
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        const char *at = strstr(enc, edits[i][0]);
        size_t head = (size_t)(at - enc);
        assert_non_null(at);
        assert_int_equal(keel_str_format(bad, sizeof(bad), "%.*s%s%s", (int)head, enc, edits[i][1],
                                         at + strlen(edits[i][0])),
                         KEEL_OK);
        assert_int_equal(keel_auth_verify_password(bad, &pw), KEEL_ERR_PARSE);
    }
    assert_int_equal(keel_str_format(bad, sizeof(bad), "%s=", enc), KEEL_OK);
    assert_int_equal(keel_auth_verify_password(bad, &pw), KEEL_ERR_PARSE);
    assert_int_equal(keel_str_format(bad, sizeof(bad), "%sA", enc), KEEL_OK);
    assert_int_equal(keel_auth_verify_password(bad, &pw), KEEL_ERR_PARSE);
}

/* A changed character inside the salt or the hash keeps the shape but must not verify. */
static void test_corrupted_not_accepted(void **state)
{
    char enc[KEEL_AUTH_HASH_MAX];
    keel_secret pw;
    size_t len;

    (void)state;
    set_pw(&pw, "label password");
    assert_int_equal(keel_auth_hash_password_params(&default_profile, &pw, enc, sizeof(enc)),
                     KEEL_OK);
    len = strlen(enc);
    for (size_t pos = len - 30; pos < len; pos += 7) {
        char saved = enc[pos];
        enc[pos] = saved == 'A' ? 'B' : 'A';
        assert_int_not_equal(keel_auth_verify_password(enc, &pw), KEEL_OK);
        enc[pos] = saved;
    }
    /* the salt, 22 characters after the parameters */
    enc[strlen("$argon2id$v=19$m=19456,t=2,p=1$") + 3] ^= 1;
    assert_int_not_equal(keel_auth_verify_password(enc, &pw), KEEL_OK);
}

/* Whatever profile this build hashes with, hashes of both profiles verify (a device may move
 * between builds); parameters weaker than both are refused for hashing too. */
static void test_both_profiles_verify(void **state)
{
    static const keel_auth_argon2_params weak[] = {
        {KEEL_AUTH_ARGON2_SMALL_M_KIB, KEEL_AUTH_ARGON2_DEFAULT_T, 1},
        {KEEL_AUTH_ARGON2_DEFAULT_M_KIB, 1, 1},
        {KEEL_AUTH_ARGON2_M_MAX_KIB + 1, KEEL_AUTH_ARGON2_DEFAULT_T, 1},
        {KEEL_AUTH_ARGON2_DEFAULT_M_KIB, KEEL_AUTH_ARGON2_DEFAULT_T, 0},
    };
    char enc[KEEL_AUTH_HASH_MAX];
    keel_secret pw;
    keel_secret other;

    (void)state;
    set_pw(&pw, "profile password");
    set_pw(&other, "profile passwore");
    assert_int_equal(keel_auth_hash_password_params(&small_profile, &pw, enc, sizeof(enc)),
                     KEEL_OK);
    assert_true(strncmp(enc, "$argon2id$v=19$m=7168,t=5,p=1$", 30) == 0);
    assert_int_equal(keel_auth_verify_password(enc, &pw), KEEL_OK);
    assert_int_equal(keel_auth_verify_password(enc, &other), KEEL_ERR_AUTH_DENIED);
    assert_int_equal(keel_auth_hash_password_params(&default_profile, &pw, enc, sizeof(enc)),
                     KEEL_OK);
    assert_true(strncmp(enc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_int_equal(keel_auth_verify_password(enc, &pw), KEEL_OK);
    for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
        assert_int_equal(keel_auth_hash_password_params(&weak[i], &pw, enc, sizeof(enc)),
                         KEEL_ERR_ARG);
        assert_string_equal(enc, "");
    }
    assert_int_equal(keel_auth_hash_password_params(NULL, &pw, enc, sizeof(enc)), KEEL_ERR_ARG);
    assert_true(strcmp(keel_auth_argon2_profile_name(), "default") == 0 ||
                strcmp(keel_auth_argon2_profile_name(), "small") == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),           cmocka_unit_test(test_wrong_password_denied),
        cmocka_unit_test(test_salts_differ),         cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_malformed_refused),    cmocka_unit_test(test_corrupted_not_accepted),
        cmocka_unit_test(test_both_profiles_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
