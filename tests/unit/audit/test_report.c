/* The report model: every provision present and NOT TESTED by default, the aggregation
 * rules of a provision's verdict, recording rules, summary counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

static keel_audit_report *new_report(keel_catalog_version v)
{
    keel_audit_report *r = NULL;
    assert_int_equal(keel_audit_report_new(v, "127.0.0.1:443", &r), KEEL_OK);
    assert_non_null(r);
    return r;
}

static void every_provision_not_tested(keel_catalog_version v)
{
    keel_audit_report *r = new_report(v);
    keel_audit_summary s;
    size_t mandatory = 0;

    assert_int_equal(r->count, keel_catalog_count(v));
    for (size_t i = 0; i < r->count; i++) {
        const keel_provision *p = keel_catalog_at(v, i);
        assert_ptr_equal(r->entries[i].provision, p);
        assert_int_equal(r->entries[i].test_count, 0);
        assert_int_equal(keel_audit_entry_verdict(&r->entries[i]), KEEL_AUDIT_NOT_TESTED);
        assert_ptr_equal(keel_audit_report_find(r, p->id), &r->entries[i]);
        mandatory += p->mandatory != 0;
    }
    assert_int_equal(keel_audit_summarize(r, NULL, &s), KEEL_OK);
    assert_int_equal(s.all.total, r->count);
    assert_int_equal(s.all.n[KEEL_AUDIT_NOT_TESTED], r->count);
    assert_int_equal(s.all.n[KEEL_AUDIT_PASS], 0);
    assert_int_equal(s.mandatory.total, mandatory);
    assert_int_equal(s.mandatory.n[KEEL_AUDIT_NOT_TESTED], mandatory);
    keel_audit_report_free(r);
}

static void test_v3_complete(void **state)
{
    (void)state;
    assert_int_equal(keel_catalog_count(KEEL_EN303645_V3_1_3), 78);
    every_provision_not_tested(KEEL_EN303645_V3_1_3);
}

static void test_v2_complete(void **state)
{
    (void)state;
    assert_int_equal(keel_catalog_count(KEEL_EN303645_V2_1_1), 68);
    every_provision_not_tested(KEEL_EN303645_V2_1_1);
}

static void test_new_bad_args(void **state)
{
    keel_audit_report *r = (keel_audit_report *)1;
    char long_target[KEEL_AUDIT_TARGET_MAX + 8];

    (void)state;
    assert_int_equal(keel_audit_report_new((keel_catalog_version)7, "h:1", &r),
                     KEEL_ERR_CATALOG_VERSION);
    assert_null(r);
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, NULL, &r), KEEL_ERR_ARG);
    memset(long_target, 'a', sizeof(long_target) - 1);
    long_target[sizeof(long_target) - 1] = '\0';
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, long_target, &r), KEEL_ERR_RANGE);
    assert_null(r);
    keel_audit_report_free(NULL);
}

/* A provision with the given test verdicts, judged by keel_audit_entry_verdict. */
static keel_audit_verdict judge(const keel_audit_verdict *v, size_t n)
{
    keel_audit_entry e;

    memset(&e, 0, sizeof(e));
    for (size_t i = 0; i < n; i++)
        e.tests[i].verdict = v[i];
    e.test_count = n;
    return keel_audit_entry_verdict(&e);
}

#define JUDGE(...)                                                                                 \
    judge((const keel_audit_verdict[]){__VA_ARGS__},                                               \
          sizeof((const keel_audit_verdict[]){__VA_ARGS__}) / sizeof(keel_audit_verdict))

static void test_aggregation(void **state)
{
    const keel_audit_verdict P = KEEL_AUDIT_PASS, F = KEEL_AUDIT_FAIL, N = KEEL_AUDIT_NA,
                             I = KEEL_AUDIT_INCONCLUSIVE;

    (void)state;
    assert_int_equal(judge(NULL, 0), KEEL_AUDIT_NOT_TESTED);
    assert_int_equal(keel_audit_entry_verdict(NULL), KEEL_AUDIT_NOT_TESTED);
    assert_int_equal(JUDGE(P), P);
    assert_int_equal(JUDGE(P, P), P);
    assert_int_equal(JUDGE(P, F), F);
    assert_int_equal(JUDGE(F, P), F);
    assert_int_equal(JUDGE(I, F, P), F);
    assert_int_equal(JUDGE(P, I), I);
    assert_int_equal(JUDGE(I, P, P), I);
    assert_int_equal(JUDGE(N, I), I);
    assert_int_equal(JUDGE(N, P), P);
    assert_int_equal(JUDGE(N), N);
    assert_int_equal(JUDGE(N, N), N);
    assert_int_equal(JUDGE(N, F), F);
}

static void test_record_rules(void **state)
{
    keel_audit_report *r = new_report(KEEL_EN303645_V3_1_3);
    const keel_audit_entry *e;

    (void)state;
    assert_int_equal(keel_audit_record(r, "5.1-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.1-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, NULL),
                     KEEL_ERR_EXISTS);
    assert_int_equal(keel_audit_record(r, "5.1-1-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_FAIL, NULL),
                     KEEL_OK);
    e = keel_audit_report_find(r, "5.1-1");
    assert_int_equal(e->test_count, 2);
    assert_string_equal(e->tests[1].id, "5.1-1-1");
    assert_int_equal(e->tests[1].kind, KEEL_AUDIT_CONCEPTUAL);
    assert_int_equal(keel_audit_entry_verdict(e), KEEL_AUDIT_FAIL);
    /* Lettered provisions of V3 (5.3-4A) and the V2-only 4-1. */
    assert_int_equal(keel_audit_record(r, "5.3-4A-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_NA, NULL),
                     KEEL_OK);
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "5.3-4A")), KEEL_AUDIT_NA);
    assert_int_equal(keel_audit_record(r, "4-1-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_audit_record(r, "9.9-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_audit_record(r, "5.5-1-x", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_record(r, "5.5-1-", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_record(r, "-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_PARSE);
    assert_int_equal(
        keel_audit_record(r, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_NOT_TESTED, NULL),
        KEEL_ERR_ARG);
    assert_int_equal(keel_audit_record(r, "5.5-1-2", (keel_audit_kind)9, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_ARG);
    assert_int_equal(
        keel_audit_record(NULL, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
        KEEL_ERR_ARG);
    keel_audit_report_free(r);
}

static void test_tests_per_provision_bounded(void **state)
{
    keel_audit_report *r = new_report(KEEL_EN303645_V3_1_3);
    char id[32];

    (void)state;
    for (int i = 1; i <= KEEL_AUDIT_TESTS_MAX; i++) {
        assert_int_equal(keel_str_format(id, sizeof(id), "5.6-1-%d", i), KEEL_OK);
        assert_int_equal(keel_audit_record(r, id, KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                         KEEL_OK);
    }
    assert_int_equal(keel_audit_record(r, "5.6-1-99", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_ERR_RANGE);
    keel_audit_report_free(r);
}

static void test_summary_counts(void **state)
{
    keel_audit_report *r = new_report(KEEL_EN303645_V3_1_3);
    keel_audit_summary all, s51;
    const char *sections[64];
    size_t n = 0;

    (void)state;
    /* 5.1-1 M FAIL, 5.1-2A R PASS, 5.5-1 M INCONCLUSIVE, 5.2-2 R N/A. */
    assert_int_equal(keel_audit_record(r, "5.1-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, NULL),
                     KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.1-2A-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_OK);
    assert_int_equal(
        keel_audit_record(r, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_INCONCLUSIVE, NULL),
        KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.2-2-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_NA, NULL),
                     KEEL_OK);
    assert_int_equal(keel_audit_summarize(r, NULL, &all), KEEL_OK);
    assert_int_equal(all.all.n[KEEL_AUDIT_FAIL], 1);
    assert_int_equal(all.all.n[KEEL_AUDIT_PASS], 1);
    assert_int_equal(all.all.n[KEEL_AUDIT_INCONCLUSIVE], 1);
    assert_int_equal(all.all.n[KEEL_AUDIT_NA], 1);
    assert_int_equal(all.all.n[KEEL_AUDIT_NOT_TESTED], 78 - 4);
    assert_int_equal(all.mandatory.n[KEEL_AUDIT_FAIL], 1);
    assert_int_equal(all.mandatory.n[KEEL_AUDIT_PASS], 0);
    assert_int_equal(all.mandatory.n[KEEL_AUDIT_INCONCLUSIVE], 1);
    assert_int_equal(all.mandatory.n[KEEL_AUDIT_NA], 0);
    assert_int_equal(all.mandatory.total, 36);

    assert_int_equal(keel_audit_summarize(r, "5.1", &s51), KEEL_OK);
    assert_int_equal(s51.all.total, 6);
    assert_int_equal(s51.all.n[KEEL_AUDIT_FAIL], 1);
    assert_int_equal(s51.all.n[KEEL_AUDIT_PASS], 1);
    assert_int_equal(s51.all.n[KEEL_AUDIT_NOT_TESTED], 4);
    assert_int_equal(s51.mandatory.n[KEEL_AUDIT_FAIL], 1);

    assert_int_equal(keel_audit_sections(r, sections, 64, &n), KEEL_OK);
    assert_int_equal(n, 15);
    assert_string_equal(sections[0], "5.0");
    assert_string_equal(sections[1], "5.1");
    assert_string_equal(sections[n - 1], "6");
    assert_int_equal(keel_audit_sections(r, sections, 3, &n), KEEL_ERR_RANGE);
    keel_audit_report_free(r);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(keel_audit_verdict_name(KEEL_AUDIT_PASS), "PASS");
    assert_string_equal(keel_audit_verdict_name(KEEL_AUDIT_FAIL), "FAIL");
    assert_string_equal(keel_audit_verdict_name(KEEL_AUDIT_NA), "N/A");
    assert_string_equal(keel_audit_verdict_name(KEEL_AUDIT_INCONCLUSIVE), "INCONCLUSIVE");
    assert_string_equal(keel_audit_verdict_name(KEEL_AUDIT_NOT_TESTED), "NOT TESTED");
    assert_null(keel_audit_verdict_name((keel_audit_verdict)5));
    assert_string_equal(keel_audit_kind_name(KEEL_AUDIT_FUNCTIONAL), "functional");
    assert_string_equal(keel_audit_kind_name(KEEL_AUDIT_CONCEPTUAL), "conceptual");
    assert_null(keel_audit_kind_name((keel_audit_kind)2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v3_complete),    cmocka_unit_test(test_v2_complete),
        cmocka_unit_test(test_new_bad_args),   cmocka_unit_test(test_aggregation),
        cmocka_unit_test(test_record_rules),   cmocka_unit_test(test_tests_per_provision_bounded),
        cmocka_unit_test(test_summary_counts), cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
