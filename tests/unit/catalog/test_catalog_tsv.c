/*
 * The catalog's TSV reader: a valid file gives the right spans; every kind of malformed row
 * is refused with its line number and reason (the build prints them as "<file>:<line>:
 * <reason>"). Inputs are copied into buffers of their exact length, without a NUL, so that an
 * overread shows under AddressSanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tsv.h"

#define HDR "id\tstatus\tcondition\trequirement\n"
#define SHDR "version\tsection\ttitle\n"
#define CAP 16

typedef struct exact {
    char *p;
    size_t len;
} exact;

static exact copy_exact(const char *text, size_t len)
{
    exact e = {malloc(len > 0 ? len : 1), len};

    assert_non_null(e.p);
    if (len > 0)
        memcpy(e.p, text, len);
    return e;
}

static keel_err parse_bytes(const char *text, size_t len, keel_catalog_tsv_provision *rows,
                            size_t cap, size_t *n, keel_catalog_tsv_error *err)
{
    exact e = copy_exact(text, len);
    keel_err ret = keel_catalog_tsv_provisions(e.p, e.len, rows, cap, n, err);

    free(e.p);
    return ret;
}

static void expect_bytes_error(const char *text, size_t len, size_t line, const char *reason)
{
    keel_catalog_tsv_provision rows[CAP];
    keel_catalog_tsv_error err;
    size_t n = 99;

    assert_int_equal(parse_bytes(text, len, rows, CAP, &n, &err), KEEL_ERR_PARSE);
    assert_int_equal(n, 0);
    if (err.line != line || strstr(err.reason, reason) == NULL)
        fail_msg("for %s: got %zu: %s; want %zu: %s", text, err.line, err.reason, line, reason);
}

static void expect_error(const char *text, size_t line, const char *reason)
{
    expect_bytes_error(text, strlen(text), line, reason);
}

static void expect_ok(const char *text, size_t want_rows)
{
    keel_catalog_tsv_provision rows[CAP];
    keel_catalog_tsv_error err;
    size_t n = 0;
    keel_err ret = parse_bytes(text, strlen(text), rows, CAP, &n, &err);

    if (ret != KEEL_OK)
        fail_msg("for %s: %zu: %s", text, err.line, err.reason);
    assert_int_equal(n, want_rows);
}

static int span_is(keel_catalog_tsv_text t, const char *s)
{
    return keel_catalog_tsv_equals(t, s);
}

static void test_valid(void **state)
{
    static const char text[] = HDR "4-1\tM\t\tKeep a record.\n"
                                   "5.1-1\tM C (1)\t(1) passwords are used\tUnique passwords.\n"
                                   "5.1-5\tM C F (14, e)\tC14: x; F e: y\tNo brute force.\n"
                                   "5.3-4A\tR F (g, aa)\tF g: z\tUpdates\xe2\x80\x99 \"path\\\".\n"
                                   "6-3B\tR\t\tLast one, no final newline.";
    keel_catalog_tsv_provision rows[CAP];
    keel_catalog_tsv_error err;
    exact e = copy_exact(text, sizeof(text) - 1);
    size_t n = 0;

    (void)state;
    assert_int_equal(keel_catalog_tsv_provisions(e.p, e.len, rows, CAP, &n, &err), KEEL_OK);
    assert_int_equal(n, 5);
    assert_true(span_is(rows[0].id, "4-1"));
    assert_true(span_is(rows[0].section, "4"));
    assert_true(span_is(rows[0].condition, ""));
    assert_int_equal(rows[0].mandatory, 1);
    assert_int_equal(rows[0].line, 2);
    assert_true(span_is(rows[2].status, "M C F (14, e)"));
    assert_true(span_is(rows[3].section, "5.3"));
    assert_true(span_is(rows[3].requirement, "Updates\xe2\x80\x99 \"path\\\"."));
    assert_int_equal(rows[3].mandatory, 0);
    assert_true(span_is(rows[4].section, "6"));
    assert_true(span_is(rows[4].requirement, "Last one, no final newline."));
    assert_int_equal(rows[4].line, 6);
    free(e.p);
}

static void test_statuses_accepted(void **state)
{
    (void)state;
    expect_ok(HDR "5.1-1\tM\t\tx\n", 1);
    expect_ok(HDR "5.1-1\tR\t\tx\n", 1);
    expect_ok(HDR "5.1-1\tR C (3, 4)\tc\tx\n", 1);
    expect_ok(HDR "5.1-1\tM C (99)\tc\tx\n", 1);
    expect_ok(HDR "5.1-1\tM F (aa)\tc\tx\n", 1);
    expect_ok(HDR "5.1-1\tR C F (3, 12, a, b)\tc\tx\n", 1);
}

static void test_header(void **state)
{
    (void)state;
    expect_error("", 1, "empty file: missing header");
    expect_error("id\tstatus\tcondition\n5.1-1\tM\t\tx\n", 1, "bad header");
    expect_error("id\tstatus\tcondition_or_feature\trequirement\n", 1, "bad header");
    expect_error(HDR, 2, "no provisions after the header");
    expect_error("id\tstatus\tcondition\trequirement\r\n5.1-1\tM\t\tx\n", 1, "bad header");
}

static void test_fields(void **state)
{
    (void)state;
    expect_error(HDR "5.1-1\tM\t\tx\n5.1-2\tM\tx\n", 3, "expected 4 tab-separated fields, found 3");
    expect_error(HDR "5.1-1\tM\t\tx\textra\n", 2, "expected 4 tab-separated fields, found 5");
    expect_error(HDR "5.1-1\n", 2, "found 1");
    expect_error(HDR "\tM\t\tx\n", 2, "empty id");
    expect_error(HDR "5.1-1\t\t\tx\n", 2, "empty status");
    expect_error(HDR "5.1-1\tM\t\t\n", 2, "empty requirement");
    expect_error(HDR "5.1-1\tM\t\tx\n\n5.1-2\tM\t\tx\n", 3, "empty line");
    expect_error(HDR "5.1-1\tM\t\tx \n", 2, "leading or trailing space in requirement");
    expect_error(HDR " 5.1-1\tM\t\tx\n", 2, "leading or trailing space in id");
}

static void test_ids(void **state)
{
    static const char *const bad[] = {
        "5.1",     "5.1-", "-1",      "5.1-0",    "5.1-01", "5.01-1", "05.1-1", "5.1-1a",
        "5.1-1AB", "x-1",  "5.1.2-1", "5.1-1000", "5..1-1", "5.1_1",  "5.1-A",  "1234-1",
    };
    char text[128];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        (void)snprintf(text, sizeof(text), HDR "%s\tM\t\tx\n", bad[i]);
        expect_error(text, 2, "malformed id");
    }
    expect_ok(HDR "5.0-1\tM\t\tx\n", 1);
    expect_ok(HDR "5.13-1B\tM\t\tx\n", 1);
}

static void test_statuses_refused(void **state)
{
    static const char *const bad[] = {
        "X",
        "m",
        "M ",
        " M",
        "MC (1)",
        "M C",
        "M C ()",
        "M C (0)",
        "M C (1,2)",
        "M C (1 )",
        "M C (100)",
        "M C (01)",
        "M F (A)",
        "M F (abc)",
        "M F (1)",
        "M C F (e, 14)",
        "M C F (14)",
        "M C F (e)",
        "R C (1, a)",
        "M F (a, 1)",
        "M C (1) ",
        "M C (1))",
        "M C (1) F (a)",
        "M F C (a, 1)",
        "M  C (1)",
        "M C  (1)",
        "M C (1, )",
    };
    char text[128];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        (void)snprintf(text, sizeof(text), HDR "5.1-1\t%s\tc\tx\n", bad[i]);
        if (strchr(bad[i], ' ') == bad[i] || bad[i][strlen(bad[i]) - 1] == ' ')
            expect_error(text, 2, "leading or trailing space in status");
        else
            expect_error(text, 2, "malformed status");
    }
}

static void test_condition_matches_status(void **state)
{
    (void)state;
    expect_error(HDR "5.1-1\tM C (1)\t\tx\n", 2, "is conditional but the condition is empty");
    expect_error(HDR "5.1-1\tR F (a)\t\tx\n", 2, "is conditional but the condition is empty");
    expect_error(HDR "5.1-1\tM\t(1) passwords\tx\n", 2,
                 "is unconditional but a condition is given");
}

static void test_unique_and_ordered(void **state)
{
    (void)state;
    expect_error(HDR "5.1-1\tM\t\tx\n5.1-2\tM\t\tx\n5.1-1\tM\t\tx\n", 4,
                 "duplicate id '5.1-1' (first on line 2)");
    expect_error(HDR "5.1-2\tM\t\tx\n5.1-1\tM\t\tx\n", 3,
                 "id '5.1-1' out of order: it follows '5.1-2' on line 2");
    expect_error(HDR "5.10-1\tM\t\tx\n5.9-1\tM\t\tx\n", 3, "out of order");
    expect_error(HDR "6-1\tM\t\tx\n5.13-1\tM\t\tx\n", 3, "out of order");
    expect_error(HDR "5.3-4B\tM\t\tx\n5.3-4A\tM\t\tx\n", 3, "out of order");
    expect_error(HDR "5.3-4A\tM\t\tx\n5.3-4\tM\t\tx\n", 3, "out of order");
    expect_error(HDR "5.0-1\tM\t\tx\n4-1\tM\t\tx\n", 3, "out of order");
    expect_ok(HDR "4-1\tM\t\tx\n5.0-1\tM\t\tx\n5.1-1\tM\t\tx\n5.1-2\tM\t\tx\n5.1-2A\tR\t\tx\n"
                  "5.9-1\tR\t\tx\n5.10-1\tR\t\tx\n6-1\tM\t\tx\n6-3A\tM\t\tx\n6-10\tM\t\tx\n",
              10);
}

static void test_bytes(void **state)
{
    static const char nul[] = HDR "5.1-1\tM\t\tx\n5.1-2\tM\t\tx\0y\n";
    static const char cr[] = HDR "5.1-1\tM\t\tx\r\n";

    (void)state;
    expect_bytes_error(nul, sizeof(nul) - 1, 3, "NUL byte in file");
    expect_error(cr, 2, "control character 0x0d in requirement");
    expect_error(HDR "5.1-1\tM\t\tx\x1b[2J\n", 2, "control character 0x1b in requirement");
    expect_error(HDR "5.1-1\tM\t\tx\x7f\n", 2, "control character 0x7f in requirement");
    expect_error(HDR "5.1-1\tM\t\t\xff\n", 2, "requirement is not valid UTF-8 (byte 1)");
    expect_error(HDR "5.1-1\tM\t\tab\xc0\xaf\n", 2, "not valid UTF-8 (byte 3)");
    expect_error(HDR "5.1-1\tM\t\t\xed\xa0\x80\n", 2, "not valid UTF-8");
    expect_error(HDR "5.1-1\tM\t\t\xe0\x80\xaf\n", 2, "not valid UTF-8");
    expect_error(HDR "5.1-1\tM\t\t\xf4\x90\x80\x80\n", 2, "not valid UTF-8");
    expect_error(HDR "5.1-1\tM\t\tx\xe2\x80", 2, "not valid UTF-8");
    expect_error(HDR "5.1-1\tM\t\xe2\x80\tx", 2, "condition is not valid UTF-8");
    expect_ok(HDR "5.1-1\tM\t\t\xf0\x9f\x94\x92 \xc3\xa9\xe2\x80\x99\n", 1);
}

static void test_long_field(void **state)
{
    char text[sizeof(HDR) + KEEL_CATALOG_TSV_FIELD_MAX + 32];
    size_t len = (size_t)snprintf(text, sizeof(text), HDR "5.1-1\tM\t\t");

    (void)state;
    memset(text + len, 'a', KEEL_CATALOG_TSV_FIELD_MAX);
    text[len + KEEL_CATALOG_TSV_FIELD_MAX] = '\0';
    expect_ok(text, 1);
    text[len + KEEL_CATALOG_TSV_FIELD_MAX] = 'a';
    text[len + KEEL_CATALOG_TSV_FIELD_MAX + 1] = '\0';
    expect_error(text, 2, "requirement longer than 512 bytes");
}

static void test_too_many_rows(void **state)
{
    static const char text[] = HDR "5.1-1\tM\t\tx\n5.1-2\tM\t\tx\n";
    keel_catalog_tsv_provision rows[1];
    keel_catalog_tsv_error err;
    size_t n = 99;

    (void)state;
    assert_int_equal(parse_bytes(text, sizeof(text) - 1, rows, 1, &n, &err), KEEL_ERR_RANGE);
    assert_int_equal(n, 0);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.reason, "too many rows (at most 1)");
}

static void test_arguments(void **state)
{
    keel_catalog_tsv_provision rows[1];
    keel_catalog_tsv_section srows[1];
    keel_catalog_tsv_error err;
    size_t n;

    (void)state;
    assert_int_equal(keel_catalog_tsv_provisions(NULL, 1, rows, 1, &n, &err), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_provisions("x", 1, NULL, 1, &n, &err), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_provisions("x", 1, rows, 1, NULL, &err), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_provisions("x", 1, rows, 1, &n, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_provisions(NULL, 0, rows, 1, &n, &err), KEEL_ERR_PARSE);
    assert_int_equal(err.line, 1);
    assert_int_equal(keel_catalog_tsv_sections(NULL, 1, srows, 1, &n, &err), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_sections("x", 1, srows, 1, &n, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_check_headings(NULL, rows, 0, srows, 0, &err), KEEL_ERR_ARG);
    assert_int_equal(keel_catalog_tsv_check_used("3.1.3", NULL, 1, srows, 0, &err), KEEL_ERR_ARG);
}

/* ---- sections ---- */

static void expect_sections_error(const char *text, size_t line, const char *reason)
{
    keel_catalog_tsv_section rows[CAP];
    keel_catalog_tsv_error err;
    exact e = copy_exact(text, strlen(text));
    size_t n = 99;
    keel_err ret = keel_catalog_tsv_sections(e.p, e.len, rows, CAP, &n, &err);

    free(e.p);
    assert_int_equal(ret, KEEL_ERR_PARSE);
    assert_int_equal(n, 0);
    if (err.line != line || strstr(err.reason, reason) == NULL)
        fail_msg("for %s: got %zu: %s; want %zu: %s", text, err.line, err.reason, line, reason);
}

static void test_sections(void **state)
{
    static const char text[] = SHDR "2.1.1\t4\tReporting implementation\n"
                                    "3.1.3\t5.0\tReporting implementation\n"
                                    "3.1.3\t5.13\tValidate input data\n";
    keel_catalog_tsv_section rows[CAP];
    keel_catalog_tsv_error err;
    exact e = copy_exact(text, sizeof(text) - 1);
    size_t n = 0;

    (void)state;
    assert_int_equal(keel_catalog_tsv_sections(e.p, e.len, rows, CAP, &n, &err), KEEL_OK);
    assert_int_equal(n, 3);
    assert_true(span_is(rows[2].version, "3.1.3"));
    assert_true(span_is(rows[2].section, "5.13"));
    assert_true(span_is(rows[2].title, "Validate input data"));
    assert_int_equal(rows[2].line, 4);
    free(e.p);

    expect_sections_error("", 1, "empty file: missing header");
    expect_sections_error("version\tsection\n", 1, "bad header");
    expect_sections_error(SHDR, 2, "no sections after the header");
    expect_sections_error(SHDR "3.1.3\t5.1\n", 2, "expected 3 tab-separated fields, found 2");
    expect_sections_error(SHDR "3.1.3\t5.1\tx\ty\n", 2, "found 4");
    expect_sections_error(SHDR "3.1.3\t5.1\t\n", 2, "empty title");
    expect_sections_error(SHDR "\t5.1\tx\n", 2, "empty version");
    expect_sections_error(SHDR "3.1\t5.1\tx\n", 2, "malformed version '3.1'");
    expect_sections_error(SHDR "v3.1.3\t5.1\tx\n", 2, "malformed version");
    expect_sections_error(SHDR "3.1.3\t5.\tx\n", 2, "malformed section '5.'");
    expect_sections_error(SHDR "3.1.3\t5.1-1\tx\n", 2, "malformed section");
    expect_sections_error(SHDR "3.1.3\t5.1\tx\n2.1.1\t5.1\tx\n3.1.3\t5.1\ty\n", 4,
                          "duplicate section '5.1' of version '3.1.3' (first on line 2)");
    expect_sections_error(SHDR "3.1.3\t5.1\tx\n\n", 3, "empty line");
    expect_sections_error(SHDR "3.1.3\t5.1\t\xc3\n", 2, "title is not valid UTF-8");
}

static void test_cross_checks(void **state)
{
    static const char prov[] = HDR "5.1-1\tM\t\tx\n5.2-1\tM\t\tx\n";
    static const char sect[] = SHDR "3.1.3\t5.1\tA\n2.1.1\t5.2\tB\n3.1.3\t5.3\tC\n3.1.3\t5.2\tD\n";
    keel_catalog_tsv_provision rows[CAP];
    keel_catalog_tsv_section srows[CAP];
    keel_catalog_tsv_error err;
    size_t n, ns;

    (void)state;
    assert_int_equal(keel_catalog_tsv_provisions(prov, sizeof(prov) - 1, rows, CAP, &n, &err),
                     KEEL_OK);
    assert_int_equal(keel_catalog_tsv_sections(sect, sizeof(sect) - 1, srows, CAP, &ns, &err),
                     KEEL_OK);
    /* 5.2 has a heading for 2.1.1 only in the first three rows. */
    assert_int_equal(keel_catalog_tsv_check_headings("3.1.3", rows, n, srows, 3, &err),
                     KEEL_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.reason, "section '5.2' of id '5.2-1' has no heading for version "
                                    "3.1.3 in sections.tsv");
    assert_int_equal(keel_catalog_tsv_check_headings("3.1.3", rows, n, srows, ns, &err), KEEL_OK);
    /* 5.3 of 3.1.3 heads no provision. */
    assert_int_equal(keel_catalog_tsv_check_used("3.1.3", rows, n, srows, ns, &err),
                     KEEL_ERR_PARSE);
    assert_int_equal(err.line, 4);
    assert_string_equal(err.reason, "section '5.3' of version 3.1.3 has no provisions");
    assert_int_equal(keel_catalog_tsv_check_used("2.1.1", rows, n, srows, ns, &err), KEEL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_statuses_accepted),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_statuses_refused),
        cmocka_unit_test(test_condition_matches_status),
        cmocka_unit_test(test_unique_and_ordered),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_long_field),
        cmocka_unit_test(test_too_many_rows),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_cross_checks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
