/* 5.1-2-2's label parser and batch analysis: what the audit reads from a label, and the
 * numbers it judges a batch by (uniqueness, serial-derived passwords, chi-square, entropy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

static const char label_text[] = "keel device label\n"
                                 "model:    keel-lock\n"
                                 "serial:   KL-0001-AB12\n"
                                 "password: 3H7K-XW9C-MQ2R-TV4P\n"
                                 "certificate SHA-256: 3f0c9a5e7b1d2c4f6a8e0b1d3c5f7a9e"
                                 "0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a\n";

static void parse_ok(const char *text, keel_audit_label *l)
{
    assert_int_equal(keel_audit_label_parse(text, strlen(text), l), KEEL_OK);
}

static void test_parse(void **state)
{
    keel_audit_label l;

    (void)state;
    parse_ok(label_text, &l);
    assert_string_equal(l.serial, "KL-0001-AB12");
    assert_int_equal(keel_secret_len(&l.password), 19);
    assert_memory_equal(keel_secret_bytes(&l.password), "3H7K-XW9C-MQ2R-TV4P", 19);
    assert_string_equal(l.mac, ""); /* a 64-digit fingerprint is not a MAC */
    keel_audit_label_clear(&l);
    assert_int_equal(keel_secret_len(&l.password), 0);

    /* CRLF, tabs, keys in any case, a MAC in either spelling. */
    parse_ok("Serial:\tX1\r\nPASSWORD:  pw pw \r\nmac: 00:1A:2b:3c:4D:5e\r\n", &l);
    assert_string_equal(l.serial, "X1");
    assert_memory_equal(keel_secret_bytes(&l.password), "pw pw", 5);
    assert_string_equal(l.mac, "001a2b3c4d5e");
    keel_audit_label_clear(&l);
    parse_ok("serial: s\npassword: p\nwifi: 001a2b3c4d5e\n", &l);
    assert_string_equal(l.mac, "001a2b3c4d5e");
    keel_audit_label_clear(&l);
    /* A MAC cut short at the end of a line (a fuzzer's find: read past the value). */
    parse_ok("serial: s\npassword: p\nmac: 00:1A:2b:3c:8d", &l);
    assert_string_equal(l.mac, "");
    keel_audit_label_clear(&l);
    parse_ok("serial: s\npassword: p\nid: 00-1a-2b-3c-4d-5e-ff\nmac: 001a2b3c4d5f\n", &l);
    assert_string_equal(l.mac, "001a2b3c4d5f"); /* seven pairs are not a MAC */
    keel_audit_label_clear(&l);
}

static void test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "serial: s\n",                           /* no password */
        "password: p\n",                         /* no serial */
        "serial: s\npassword: \n",               /* empty password */
        "serial: s\npassword: a\npassword: b\n", /* twice */
        "serial: s\npassword: a\x01z\n",         /* control character */
    };
    keel_audit_label l;
    char big[KEEL_AUDIT_LABEL_FILE_MAX + 2];
    char nul[] = "serial: s\npassword: a\0b\n";

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(keel_audit_label_parse(bad[i], strlen(bad[i]), &l), KEEL_ERR_PARSE);
        assert_int_equal(keel_secret_len(&l.password), 0);
    }
    assert_int_equal(keel_audit_label_parse(nul, sizeof(nul) - 1, &l), KEEL_ERR_PARSE);
    memset(big, 'a', sizeof(big));
    assert_int_equal(keel_audit_label_parse(big, sizeof(big), &l), KEEL_ERR_TOO_LARGE);
    memset(big, 'a', 300);
    memcpy(big, "serial: ", 8);
    big[300] = '\0';
    assert_int_equal(keel_audit_label_parse(big, 300, &l), KEEL_ERR_TOO_LARGE);
    assert_int_equal(keel_audit_label_parse(NULL, 1, &l), KEEL_ERR_ARG);
}

/* n labels with random passwords of len symbols over alphabet, in groups of 4. */
static keel_audit_label *batch(size_t n, const char *alphabet, size_t len)
{
    keel_audit_label *l = calloc(n, sizeof(*l));
    size_t k = strlen(alphabet);

    assert_non_null(l);
    for (size_t i = 0; i < n; i++) {
        char pw[128];
        size_t o = 0;
        for (size_t j = 0; j < len; j++) {
            uint32_t r;
            assert_int_equal(keel_random_uniform((uint32_t)k, &r), KEEL_OK);
            if (j > 0 && j % 4 == 0)
                pw[o++] = '-';
            pw[o++] = alphabet[r];
        }
        assert_int_equal(keel_secret_set(&l[i].password, pw, o), KEEL_OK);
        snprintf(l[i].serial, sizeof(l[i].serial), "SN%06zu", i);
        snprintf(l[i].name, sizeof(l[i].name), "SN%06zu.txt", i);
    }
    return l;
}

static const char keel_alphabet[] = "23456789ACDEFGHJKMNPQRTUVWXY";

/* A fair generator fails the chi-square test at the 0.999 quantile one time in a thousand
 * by design: a second fresh batch makes a false alarm of this test one in a million. */
static void test_good_batch(void **state)
{
    keel_audit_batch_stats s;
    keel_audit_evidence ev;

    (void)state;
    for (int attempt = 0; attempt < 2; attempt++) {
        keel_audit_label *l = batch(200, keel_alphabet, 16);
        keel_audit_evidence_init(&ev);
        assert_int_equal(keel_audit_labels_analyse(l, 200, &ev, &s), KEEL_OK);
        free(l);
        assert_int_equal(s.labels, 200);
        assert_int_equal(s.shared, 0);
        assert_int_equal(s.symbols, 3200);
        assert_int_equal(s.alphabet, 28);
        assert_int_equal(s.min_length, 16);
        assert_true(s.entropy_bits > 76.9 && s.entropy_bits < 77.0);
        assert_true(s.chi_square_run);
        assert_int_equal(ev.count, 0);
        keel_audit_evidence_free(&ev);
        if (s.chi_square < s.chi_square_max)
            return;
    }
    fail_msg("two fair batches failed the chi-square test");
}

static void test_shared_and_derived(void **state)
{
    keel_audit_label *l = batch(4, keel_alphabet, 16);
    keel_audit_batch_stats s;
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(keel_secret_set(&l[2].password, keel_secret_bytes(&l[0].password),
                                     keel_secret_len(&l[0].password)),
                     KEEL_OK);
    /* The serial "SN000001" in lower case and split by a group separator. */
    assert_int_equal(keel_secret_set(&l[1].password, "XXsn00-0001YY", 13), KEEL_OK);
    memcpy(l[3].mac, "a1b2c3d4e5f6", 13);
    assert_int_equal(keel_secret_set(&l[3].password, "Q7C3D4E5RR", 10), KEEL_OK);
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_labels_analyse(l, 4, &ev, &s), KEEL_OK);
    assert_int_equal(s.shared, 2);
    assert_int_equal(s.derived, 2);
    assert_false(s.chi_square_run); /* 4 labels are too few */
    assert_true(s.entropy_bits < KEEL_AUDIT_ENTROPY_MIN_BITS);
    assert_int_equal(ev.count, 3);
    assert_string_equal(ev.lines[0], "'SN000000.txt' and 'SN000002.txt' carry the same password");
    assert_non_null(strstr(ev.lines[1], "SN000001.txt': the password holds a run of 6"));
    assert_non_null(strstr(ev.lines[2], "of its MAC address"));
    keel_audit_evidence_free(&ev);
    free(l);
}

/* A generator that favours one symbol is caught by the chi-square test. */
static void test_skewed(void **state)
{
    keel_audit_label *l = batch(100, "2223456789ACDEFGHJKMNPQRTUVWXY", 16);
    keel_audit_batch_stats s;
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_labels_analyse(l, 100, &ev, &s), KEEL_OK);
    assert_true(s.chi_square_run);
    assert_true(s.chi_square > s.chi_square_max);
    keel_audit_evidence_free(&ev);
    free(l);
}

/* Short digit PINs: unique maybe, but far below 64 bits. */
static void test_low_entropy(void **state)
{
    keel_audit_label *l = batch(50, "0123456789", 8);
    keel_audit_batch_stats s;
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_labels_analyse(l, 50, &ev, &s), KEEL_OK);
    assert_int_equal(s.alphabet, 10);
    assert_true(s.entropy_bits < 27.0);
    keel_audit_evidence_free(&ev);
    free(l);
}

/* Reference values of the chi-square 0.999 quantile (any statistics table): the
 * approximation is never below them and close above. */
static void test_chi_square_quantile(void **state)
{
    static const struct {
        size_t df;
        double q;
    } ref[] = {{3, 16.266}, {10, 29.588}, {27, 55.476}, {35, 66.619}, {100, 149.449}};

    (void)state;
    for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
        double q = keel_audit_chi_square_q999(ref[i].df);
        assert_true(q >= ref[i].q && q < ref[i].q * (ref[i].df < 10 ? 1.02 : 1.01));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_good_batch),
        cmocka_unit_test(test_shared_and_derived),
        cmocka_unit_test(test_skewed),
        cmocka_unit_test(test_low_entropy),
        cmocka_unit_test(test_chi_square_quantile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
