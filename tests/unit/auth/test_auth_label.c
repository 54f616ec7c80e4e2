/* Label passwords (5.1-1, 5.1-2): alphabet, shape, strength, uniqueness, the symbols'
 * distribution, the check symbol, canonical form, and that a password is a pure function
 * of the CSPRNG's output.
 *
 * getrandom, time and clock_gettime are wrapped (-Wl,--wrap): by default they pass through
 * to the system; a test can switch getrandom to a deterministic or scripted source, or to
 * failing, and move the clock. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cmocka.h>

#include "keel/auth.h"

#define COUNT 100000
#define NSYM 28u
#define SAMPLE 300
/* Chi-square quantiles with 27 degrees of freedom (28 symbols). The overall distribution is
 * held to the 0.999 quantile. The 16 per-position tests and the overall one are 17 tests of
 * one CSPRNG; each is held to the 1 - 0.001/17 quantile (Bonferroni), so that the whole
 * family still has the 0.999 confidence and a correct generator fails this test one run in
 * a thousand, not one in sixty. Computed from the regularised incomplete gamma function. */
#define CHI2_27_Q999 55.476
#define CHI2_27_Q999_FAMILY17 64.858

/* ---- the wrapped system calls ---- */

enum source { SOURCE_SYSTEM, SOURCE_STREAM, SOURCE_SCRIPT, SOURCE_FAIL };

static enum source source = SOURCE_SYSTEM;
static uint64_t stream_state;
static uint32_t script[64];
static size_t script_len;
static size_t script_pos;
static time_t clock_offset;

ssize_t __real_getrandom(void *buf, size_t len, unsigned int flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags);
time_t __real_time(time_t *t);
time_t __wrap_time(time_t *t);
int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

/* SplitMix64: a fixed, seedable byte stream standing in for the CSPRNG. */
static uint8_t stream_byte(void)
{
    uint64_t z = (stream_state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint8_t)(z ^ (z >> 31));
}

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
    uint8_t *p = buf;

    switch (source) {
    case SOURCE_STREAM:
        for (size_t i = 0; i < len; i++)
            p[i] = stream_byte();
        return (ssize_t)len;
    case SOURCE_SCRIPT:
        /* keel_random_uniform draws one 32-bit value per call */
        if (len != sizeof(uint32_t) || script_pos == script_len) {
            errno = EIO;
            return -1;
        }
        memcpy(p, &script[script_pos++], sizeof(uint32_t));
        return (ssize_t)len;
    case SOURCE_FAIL: errno = EIO; return -1;
    case SOURCE_SYSTEM: break;
    }
    return __real_getrandom(buf, len, flags);
}

time_t __wrap_time(time_t *t)
{
    time_t now = __real_time(NULL) + clock_offset;

    if (t != NULL)
        *t = now;
    return now;
}

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
    int rc = __real_clock_gettime(id, ts);

    if (rc == 0)
        ts->tv_sec += clock_offset;
    return rc;
}

static int reset_sources(void **state)
{
    (void)state;
    source = SOURCE_SYSTEM;
    clock_offset = 0;
    return 0;
}

/* Make the generator draw exactly the symbol indices idx[0..15). */
static void script_indices(const unsigned idx[KEEL_AUTH_LABEL_RANDOM])
{
    for (size_t i = 0; i < KEEL_AUTH_LABEL_RANDOM; i++)
        script[i] = idx[i]; /* below keel_random_uniform's limit, so taken as r % 28 */
    script_len = KEEL_AUTH_LABEL_RANDOM;
    script_pos = 0;
    source = SOURCE_SCRIPT;
}

/* ---- helpers ---- */

static void generate(char out[KEEL_AUTH_LABEL_LEN + 1])
{
    keel_secret pw;

    assert_int_equal(keel_auth_label_password(&pw), KEEL_OK);
    assert_int_equal(keel_secret_len(&pw), KEEL_AUTH_LABEL_LEN);
    memcpy(out, keel_secret_bytes(&pw), KEEL_AUTH_LABEL_LEN);
    out[KEEL_AUTH_LABEL_LEN] = '\0';
    keel_secret_clear(&pw);
}

static keel_err canonical(const char *in, char out[KEEL_AUTH_LABEL_LEN + 1])
{
    keel_secret a;
    keel_secret b;
    keel_err ret;

    assert_int_equal(keel_secret_set(&a, in, strlen(in)), KEEL_OK);
    ret = keel_auth_label_canonical(&a, &b);
    if (ret == KEEL_OK) {
        assert_int_equal(keel_secret_len(&b), KEEL_AUTH_LABEL_LEN);
        memcpy(out, keel_secret_bytes(&b), KEEL_AUTH_LABEL_LEN);
        out[KEEL_AUTH_LABEL_LEN] = '\0';
    } else {
        assert_int_equal(keel_secret_len(&b), 0); /* cleared on error */
        out[0] = '\0';
    }
    keel_secret_clear(&a);
    keel_secret_clear(&b);
    return ret;
}

/* The position in the printed form of symbol i. */
static size_t text_pos(size_t i)
{
    return i + i / KEEL_AUTH_LABEL_GROUP;
}

static unsigned symbol_index(char c)
{
    const char *p = strchr(KEEL_AUTH_LABEL_ALPHABET, c);

    assert_non_null(p);
    return (unsigned)(p - KEEL_AUTH_LABEL_ALPHABET);
}

/* ---- tests ---- */

static void test_alphabet_and_strength(void **state)
{
    const char *alphabet = KEEL_AUTH_LABEL_ALPHABET;

    (void)state;
    assert_int_equal(strlen(alphabet), NSYM);
    for (const char *c = "01ILOBSZ"; *c != '\0'; c++)
        assert_null(strchr(alphabet, *c));
    /* 5.1-2: at least 64 bits from the CSPRNG, the check symbol not counted */
    assert_true(KEEL_AUTH_LABEL_RANDOM * log2((double)NSYM) >= 64.0);
    assert_int_equal(KEEL_AUTH_LABEL_BITS, (unsigned)floor(KEEL_AUTH_LABEL_RANDOM * log2(NSYM)));
}

static void test_shape(void **state)
{
    char pw[KEEL_AUTH_LABEL_LEN + 1];
    char again[KEEL_AUTH_LABEL_LEN + 1];

    (void)state;
    for (int n = 0; n < 200; n++) {
        generate(pw);
        for (size_t i = 0; i < KEEL_AUTH_LABEL_LEN; i++) {
            if (i % (KEEL_AUTH_LABEL_GROUP + 1) == KEEL_AUTH_LABEL_GROUP)
                assert_int_equal(pw[i], '-');
            else
                assert_non_null(memchr(KEEL_AUTH_LABEL_ALPHABET, pw[i], NSYM));
        }
        /* a generated password is canonical and carries a valid check symbol */
        assert_int_equal(canonical(pw, again), KEEL_OK);
        assert_string_equal(again, pw);
    }
}

static int cmp(const void *a, const void *b)
{
    return memcmp(a, b, KEEL_AUTH_LABEL_LEN);
}

static double chi_square(const unsigned counts[NSYM], double total)
{
    double expected = total / NSYM;
    double x = 0.0;

    for (unsigned s = 0; s < NSYM; s++)
        x += (counts[s] - expected) * (counts[s] - expected) / expected;
    return x;
}

/* 100 000 passwords: all different; every symbol position, and all positions together,
 * uniform over the alphabet by a chi-square test. */
static void test_unique_and_uniform(void **state)
{
    char(*all)[KEEL_AUTH_LABEL_LEN + 1] = calloc(COUNT, KEEL_AUTH_LABEL_LEN + 1);
    static unsigned per_pos[KEEL_AUTH_LABEL_SYMBOLS][NSYM];
    unsigned overall[NSYM] = {0};

    (void)state;
    assert_non_null(all);
    memset(per_pos, 0, sizeof(per_pos));
    for (int i = 0; i < COUNT; i++) {
        generate(all[i]);
        for (size_t j = 0; j < KEEL_AUTH_LABEL_SYMBOLS; j++) {
            unsigned s = symbol_index(all[i][text_pos(j)]);
            per_pos[j][s]++;
            if (j < KEEL_AUTH_LABEL_RANDOM)
                overall[s]++;
        }
    }
    qsort(all, COUNT, KEEL_AUTH_LABEL_LEN + 1, cmp);
    for (int i = 1; i < COUNT; i++)
        assert_int_not_equal(memcmp(all[i - 1], all[i], KEEL_AUTH_LABEL_LEN), 0);
    for (size_t j = 0; j < KEEL_AUTH_LABEL_SYMBOLS; j++) {
        double x = chi_square(per_pos[j], COUNT);
        if (x >= CHI2_27_Q999_FAMILY17)
            fail_msg("position %zu: chi-square %.2f >= %.3f", j, x, CHI2_27_Q999_FAMILY17);
    }
    {
        double x = chi_square(overall, (double)COUNT * KEEL_AUTH_LABEL_RANDOM);
        if (x >= CHI2_27_Q999)
            fail_msg("all positions: chi-square %.2f >= %.3f", x, CHI2_27_Q999);
    }
    keel_wipe(all, (size_t)COUNT * (KEEL_AUTH_LABEL_LEN + 1));
    free(all);
}

/* Every single substitution and every swap of neighbouring symbols in a sample of real
 * passwords is refused by the check symbol. */
static void test_check_detects_typos(void **state)
{
    char pw[KEEL_AUTH_LABEL_LEN + 1];
    char bad[KEEL_AUTH_LABEL_LEN + 1];
    char out[KEEL_AUTH_LABEL_LEN + 1];

    (void)state;
    for (int n = 0; n < SAMPLE; n++) {
        generate(pw);
        for (size_t i = 0; i < KEEL_AUTH_LABEL_SYMBOLS; i++) {
            for (unsigned s = 0; s < NSYM; s++) {
                memcpy(bad, pw, sizeof(bad));
                bad[text_pos(i)] = KEEL_AUTH_LABEL_ALPHABET[s];
                if (bad[text_pos(i)] != pw[text_pos(i)])
                    assert_int_equal(canonical(bad, out), KEEL_ERR_PARSE);
            }
        }
        for (size_t i = 0; i + 1 < KEEL_AUTH_LABEL_SYMBOLS; i++) {
            memcpy(bad, pw, sizeof(bad));
            bad[text_pos(i)] = pw[text_pos(i + 1)];
            bad[text_pos(i + 1)] = pw[text_pos(i)];
            if (bad[text_pos(i)] != pw[text_pos(i)])
                assert_int_equal(canonical(bad, out), KEEL_ERR_PARSE);
        }
    }
}

/* Exhaustively, through scripted CSPRNG output: every ordered pair of different symbols at
 * every pair of neighbouring positions (the check symbol's neighbour included) is caught
 * when swapped. This is where plain Luhn mod 28 fails (the first and last symbol). */
static void test_check_every_transposition(void **state)
{
    unsigned idx[KEEL_AUTH_LABEL_RANDOM];
    char pw[KEEL_AUTH_LABEL_LEN + 1];
    char bad[KEEL_AUTH_LABEL_LEN + 1];
    char out[KEEL_AUTH_LABEL_LEN + 1];

    (void)state;
    for (size_t i = 0; i + 1 < KEEL_AUTH_LABEL_SYMBOLS; i++) {
        for (unsigned a = 0; a < NSYM; a++) {
            for (unsigned b = 0; b < NSYM; b++) {
                for (size_t k = 0; k < KEEL_AUTH_LABEL_RANDOM; k++)
                    idx[k] = (unsigned)(k * 11u + i) % NSYM;
                idx[i] = a;
                if (i + 1 < KEEL_AUTH_LABEL_RANDOM)
                    idx[i + 1] = b;
                script_indices(idx);
                generate(pw);
                memcpy(bad, pw, sizeof(bad));
                bad[text_pos(i)] = pw[text_pos(i + 1)];
                bad[text_pos(i + 1)] = pw[text_pos(i)];
                if (bad[text_pos(i)] != pw[text_pos(i)])
                    assert_int_equal(canonical(bad, out), KEEL_ERR_PARSE);
            }
        }
    }
}

/* Known answers, computed by an independent implementation of the scheme (GF(4) x Z/7
 * arithmetic written as polynomials): indices 0..14, all 27 and all 0. */
static void test_check_known_answers(void **state)
{
    static const struct {
        unsigned first, step;
        const char *expect;
    } kat[] = {
        {0, 1, "2345-6789-ACDE-FGHP"},
        {27, 0, "YYYY-YYYY-YYYY-YYYJ"},
        {0, 0, "2222-2222-2222-2222"},
    };
    unsigned idx[KEEL_AUTH_LABEL_RANDOM];
    char pw[KEEL_AUTH_LABEL_LEN + 1];

    (void)state;
    for (size_t n = 0; n < sizeof(kat) / sizeof(kat[0]); n++) {
        for (size_t k = 0; k < KEEL_AUTH_LABEL_RANDOM; k++)
            idx[k] = kat[n].first + (unsigned)k * kat[n].step;
        script_indices(idx);
        generate(pw);
        assert_string_equal(pw, kat[n].expect);
    }
}

/* The password is a pure function of the CSPRNG's output: the same stream gives the same
 * password ten years apart, a different stream a different one. The serial, a MAC address
 * or the time are not even inputs of keel_auth_label_password. */
static void test_pure_function_of_csprng(void **state)
{
    char first[KEEL_AUTH_LABEL_LEN + 1];
    char later[KEEL_AUTH_LABEL_LEN + 1];
    char other[KEEL_AUTH_LABEL_LEN + 1];

    (void)state;
    source = SOURCE_STREAM;
    stream_state = 42;
    clock_offset = 0;
    generate(first);
    stream_state = 42;
    clock_offset = (time_t)10 * 365 * 24 * 3600;
    generate(later);
    assert_string_equal(first, later);
    stream_state = 43;
    generate(other);
    assert_string_not_equal(first, other);
}

static void test_random_failure_clears(void **state)
{
    keel_secret pw;

    (void)state;
    assert_int_equal(keel_secret_set(&pw, "stale", 5), KEEL_OK);
    source = SOURCE_FAIL;
    assert_int_equal(keel_auth_label_password(&pw), KEEL_ERR_RANDOM);
    assert_int_equal(keel_secret_len(&pw), 0);
}

static void test_canonical_forms(void **state)
{
    static const char *accepted[] = {
        "2345-6789-ACDE-FGHP",      "2345678 9ACDEFGHP",          "2345 6789 acde fghp",
        "  2-3-4-5-6789ACDEFGHP  ", "--2345--6789--acDE--fgHP--",
    };
    static const char *refused[] = {
        "",                      /* nothing */
        "2345-6789-ACDE-FGH",    /* 15 symbols */
        "2345-6789-ACDE-FGHP-2", /* 17 symbols */
        "2345-6789-ACDE-FGHQ",   /* wrong check symbol */
        "2345-6789-ACDE-FGH0",   /* look-alikes are not in the alphabet */
        "O345-6789-ACDE-FGHP",
        "1345-6789-ACDE-FGHP",
        "I345-6789-ACDE-FGHP",
        "B345-6789-ACDE-FGHP",
        "s345-6789-ACDE-FGHP",
        "z345-6789-ACDE-FGHP",
        "2345_6789_ACDE_FGHP", /* only spaces and dashes are separators */
        "2345\t6789-ACDE-FGHP",
        "2345-6789-ACDE-FGHP\n",
        "2345-6789-ACDE-FG\xc3\x89P",
    };
    char out[KEEL_AUTH_LABEL_LEN + 1];
    keel_secret s;

    (void)state;
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        assert_int_equal(canonical(accepted[i], out), KEEL_OK);
        assert_string_equal(out, "2345-6789-ACDE-FGHP");
    }
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        assert_int_equal(canonical(refused[i], out), KEEL_ERR_PARSE);
    /* an embedded NUL is a foreign character, not the end */
    assert_int_equal(keel_secret_set(&s, "2345-6789-ACDE-FG\0HP", 20), KEEL_OK);
    assert_int_equal(keel_auth_label_canonical(&s, &s), KEEL_ERR_PARSE);
    assert_int_equal(keel_secret_len(&s), 0);
    /* in place */
    assert_int_equal(keel_secret_set(&s, "2345 6789 acde fghp", 19), KEEL_OK);
    assert_int_equal(keel_auth_label_canonical(&s, &s), KEEL_OK);
    assert_memory_equal(keel_secret_bytes(&s), "2345-6789-ACDE-FGHP", KEEL_AUTH_LABEL_LEN);
    keel_secret_clear(&s);
}

static void test_null(void **state)
{
    keel_secret s;

    (void)state;
    keel_secret_clear(&s);
    assert_int_equal(keel_auth_label_password(NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_label_canonical(NULL, &s), KEEL_ERR_ARG);
    assert_int_equal(keel_auth_label_canonical(&s, NULL), KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_alphabet_and_strength, reset_sources),
        cmocka_unit_test_teardown(test_shape, reset_sources),
        cmocka_unit_test_teardown(test_unique_and_uniform, reset_sources),
        cmocka_unit_test_teardown(test_check_detects_typos, reset_sources),
        cmocka_unit_test_teardown(test_check_every_transposition, reset_sources),
        cmocka_unit_test_teardown(test_check_known_answers, reset_sources),
        cmocka_unit_test_teardown(test_pure_function_of_csprng, reset_sources),
        cmocka_unit_test_teardown(test_random_failure_clears, reset_sources),
        cmocka_unit_test_teardown(test_canonical_forms, reset_sources),
        cmocka_unit_test_teardown(test_null, reset_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
