/* Evidence from a hostile device: bounded line length and count (with a note that it was
 * cut), control characters, invalid UTF-8 and bidi controls made visible, nothing lost
 * silently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

static char *one_line(const void *bytes, size_t len)
{
    keel_audit_evidence ev;
    char *copy;

    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_evidence_add(&ev, bytes, len), KEEL_OK);
    assert_int_equal(ev.count, 1);
    copy = strdup(ev.lines[0]);
    keel_audit_evidence_free(&ev);
    assert_non_null(copy);
    return copy;
}

static void expect_line(const void *bytes, size_t len, const char *want)
{
    char *got = one_line(bytes, len);
    assert_string_equal(got, want);
    free(got);
}

static void test_plain_text_kept(void **state)
{
    (void)state;
    expect_line("TLS 1.2: accepted", 17, "TLS 1.2: accepted");
    expect_line("", 0, "");
    expect_line("<script>&\"'", 11, "<script>&\"'"); /* escaping is the writers' job */
}

static void test_controls_and_invalid_utf8_escaped(void **state)
{
    (void)state;
    expect_line("a\nb\rc\x1b[31m\x7f", 11, "a\\x0ab\\x0dc\\x1b[31m\\x7f");
    expect_line("a\0b", 3, "a\\x00b");
    expect_line("back\\slash", 10, "back\\x5cslash");
    expect_line("\xff\xfe", 2, "\\xff\\xfe");
    expect_line("\xc0\xaf", 2, "\\xc0\\xaf");          /* overlong '/' */
    expect_line("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"); /* a surrogate */
    expect_line("\xe2\x82", 2, "\\xe2\\x82");          /* truncated sequence */
    expect_line("caf\xc3\xa9 \xe2\x9c\x93", 9, "caf\xc3\xa9 \xe2\x9c\x93");
    expect_line("\xe2\x80\xae"
                "evil",
                7, "\\u202eevil");         /* right-to-left override */
    expect_line("\xc2\x85", 2, "\\u0085"); /* C1 next line */
    /* Noncharacters, which XML 1.0 refuses: U+FFFE, U+FDD0, U+10FFFF. */
    expect_line("\xef\xbf\xbe", 3, "\\ufffe");
    expect_line("\xef\xb7\x90", 3, "\\ufdd0");
    expect_line("\xf4\x8f\xbf\xbf", 4, "\\u10ffff");
}

static void test_long_line_cut_with_note(void **state)
{
    size_t len = 10000;
    char *big = malloc(len), *got;

    (void)state;
    assert_non_null(big);
    memset(big, 'A', len);
    got = one_line(big, len);
    assert_int_equal(strspn(got, "A"), KEEL_AUDIT_EVIDENCE_LINE_MAX);
    assert_string_equal(got + KEEL_AUDIT_EVIDENCE_LINE_MAX, " [cut: 512 of 10000 bytes kept]");
    free(got);
    /* A cut never splits a UTF-8 sequence into escapes. */
    memset(big, 'A', len);
    memcpy(big + KEEL_AUDIT_EVIDENCE_LINE_MAX - 1, "\xe2\x9c\x93", 3);
    got = one_line(big, len);
    assert_null(strstr(got, "\\x"));
    assert_non_null(strstr(got, " [cut: 511 of 10000 bytes kept]"));
    free(got);
    /* Fully escaped input at the cap stays bounded. */
    memset(big, 0x01, len);
    got = one_line(big, len);
    assert_true(strlen(got) <= 4 * KEEL_AUDIT_EVIDENCE_LINE_MAX + 64);
    free(got);
    free(big);
}

static void test_line_count_cut_with_note(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_evidence ev;
    const keel_audit_entry *e;

    (void)state;
    keel_audit_evidence_init(&ev);
    for (int i = 0; i < 100; i++)
        assert_int_equal(keel_audit_evidence_addf(&ev, "line %d", i), KEEL_OK);
    assert_int_equal(ev.count, KEEL_AUDIT_EVIDENCE_MAX);
    assert_int_equal(ev.dropped, 100 - KEEL_AUDIT_EVIDENCE_MAX);
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "h:1", &r), KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.6-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, &ev),
                     KEEL_OK);
    assert_int_equal(ev.count, 0); /* moved into the report */
    e = keel_audit_report_find(r, "5.6-1");
    assert_int_equal(e->tests[0].evidence_count, KEEL_AUDIT_EVIDENCE_MAX + 1);
    assert_string_equal(e->tests[0].evidence[0], "line 0");
    assert_string_equal(e->tests[0].evidence[63], "line 63");
    assert_string_equal(e->tests[0].evidence[64],
                        "[keel: 36 further evidence lines cut, limit 64]");
    keel_audit_report_free(r);
}

static void test_failed_record_frees_evidence(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_evidence_addf(&ev, "x"), KEEL_OK);
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "h:1", &r), KEEL_OK);
    assert_int_equal(keel_audit_record(r, "9.9-9-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, &ev),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(ev.count, 0); /* freed, not leaked (ASan build checks) */
    keel_audit_report_free(r);
}

static void test_bad_args(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_evidence_add(NULL, "x", 1), KEEL_ERR_ARG);
    assert_int_equal(keel_audit_evidence_add(&ev, NULL, 1), KEEL_ERR_ARG);
    assert_int_equal(keel_audit_evidence_add(&ev, NULL, 0), KEEL_OK);
    keel_audit_evidence_free(&ev);
    keel_audit_evidence_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_kept),
        cmocka_unit_test(test_controls_and_invalid_utf8_escaped),
        cmocka_unit_test(test_long_line_cut_with_note),
        cmocka_unit_test(test_line_count_cut_with_note),
        cmocka_unit_test(test_failed_record_frees_evidence),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
