/* What the ICS decides in a report: the conceptual judge of 4-1 / 5.0-1 (every recommendation
 * not met justified, N/A only where a condition or feature allows it), N/A applied to the
 * provisions that may be N/A (their test cases recorded N/A, what a step found set aside), and
 * a mandatory provision declared N failing its conceptual test case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog_tests.h"
#include "ics.h"

/* An ICS of v built in memory: every provision Y. */
static void ics_all_yes(keel_audit_ics *ics, keel_catalog_version v)
{
    memset(ics, 0, sizeof(*ics));
    ics->version = v;
    ics->count = keel_catalog_count(v);
    ics->entries = calloc(ics->count, sizeof(*ics->entries));
    assert_non_null(ics->entries);
    for (size_t i = 0; i < ics->count; i++)
        ics->entries[i].provision = keel_catalog_at(v, i);
    assert_int_equal(keel_str_copy(ics->manufacturer, sizeof(ics->manufacturer), "Example"),
                     KEEL_OK);
    assert_int_equal(keel_str_copy(ics->model, sizeof(ics->model), "lock-1"), KEEL_OK);
    assert_int_equal(keel_str_copy(ics->software_version, sizeof(ics->software_version), "1.0"),
                     KEEL_OK);
}

static void declare(keel_audit_ics *ics, const char *id, keel_audit_support s,
                    const char *justification)
{
    keel_audit_ics_entry *e = (keel_audit_ics_entry *)keel_audit_ics_find(ics, id);

    assert_non_null(e);
    e->support = s;
    assert_int_equal(keel_str_copy(e->justification, sizeof(e->justification), justification),
                     KEEL_OK);
}

static int has_line(const keel_audit_evidence *ev, const char *line)
{
    for (size_t i = 0; i < ev->count; i++) {
        if (strcmp(ev->lines[i], line) == 0)
            return 1;
    }
    return 0;
}

static keel_audit_verdict judge(const keel_audit_ics *ics, keel_audit_evidence *ev)
{
    keel_audit_evidence_init(ev);
    return keel_audit_ics_judge(ics, ev);
}

static void test_judge(void **state)
{
    keel_audit_evidence ev;
    keel_audit_ics ics;

    (void)state;
    assert_int_equal(judge(NULL, &ev), KEEL_AUDIT_INCONCLUSIVE);
    assert_true(has_line(&ev, "no ICS given (--ics FILE): nothing to judge"));
    keel_audit_evidence_free(&ev);

    ics_all_yes(&ics, KEEL_EN303645_V3_1_3);
    assert_int_equal(judge(&ics, &ev), KEEL_AUDIT_PASS);
    assert_true(has_line(&ev, "ICS of Example lock-1, software 1.0 (EN 303 645 V3.1.3): 78 "
                              "provisions, 78 Y, 0 N, 0 N/A"));
    keel_audit_evidence_free(&ev);

    /* justified: a recommendation not met, N/A on a feature and on a condition */
    declare(&ics, "5.6-3", KEEL_AUDIT_SUPPORT_NO, "no hardware of its own");
    declare(&ics, "5.6-4B", KEEL_AUDIT_SUPPORT_NA, "no physical debug port");
    declare(&ics, "5.3-14", KEEL_AUDIT_SUPPORT_NA, "every component is updatable");
    assert_int_equal(judge(&ics, &ev), KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);

    /* a mandatory provision not met is named, and does not fail 5.0-1-1 */
    declare(&ics, "5.2-1", KEEL_AUDIT_SUPPORT_NO, "");
    assert_int_equal(judge(&ics, &ev), KEEL_AUDIT_PASS);
    assert_true(has_line(&ev, "5.2-1: mandatory, declared not met (N): the device does not "
                              "conform to it (its test case 5.2-1-1 fails)"));
    keel_audit_evidence_free(&ev);

    /* offences: each named */
    declare(&ics, "5.2-3", KEEL_AUDIT_SUPPORT_NO, "");
    declare(&ics, "5.5-1", KEEL_AUDIT_SUPPORT_NA, "we do not think so");
    declare(&ics, "5.6-9", KEEL_AUDIT_SUPPORT_NA, "no process");
    assert_int_equal(judge(&ics, &ev), KEEL_AUDIT_FAIL);
    assert_true(has_line(&ev, "5.2-3: recommendation declared not met (N) without a "
                              "justification"));
    assert_true(has_line(&ev, "5.5-1: declared N/A, but its status \"M\" has no condition or "
                              "feature: it applies to every device"));
    assert_true(has_line(&ev, "5.6-9: declared N/A, but its status \"R\" has no condition or "
                              "feature: it applies to every device"));
    assert_true(has_line(&ev, "3 provision(s) not accounted for as 5.0-1 asks"));
    assert_false(has_line(&ev, "5.6-3: recommendation declared not met (N) without a "
                               "justification"));
    keel_audit_evidence_free(&ev);
    keel_audit_ics_free(&ics);

    /* V2.1.1: 4-1, conditions only */
    ics_all_yes(&ics, KEEL_EN303645_V2_1_1);
    declare(&ics, "5.3-6", KEEL_AUDIT_SUPPORT_NA, "no automatic updates");
    declare(&ics, "5.11-2", KEEL_AUDIT_SUPPORT_NA, "no associated service");
    assert_int_equal(judge(&ics, &ev), KEEL_AUDIT_FAIL);
    assert_true(has_line(&ev, "5.11-2: declared N/A, but its status \"R\" has no condition or "
                              "feature: it applies to every device"));
    assert_true(has_line(&ev, "1 provision(s) not accounted for as 4-1 asks"));
    keel_audit_evidence_free(&ev);
    keel_audit_ics_free(&ics);
}

static const keel_audit_test *test_of(const keel_audit_report *r, const char *prov, const char *id)
{
    const keel_audit_entry *e = keel_audit_report_find(r, prov);

    assert_non_null(e);
    for (size_t i = 0; i < e->test_count; i++) {
        if (strcmp(e->tests[i].id, id) == 0)
            return &e->tests[i];
    }
    return NULL;
}

static void test_check_ics(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_ics ics;
    const keel_audit_test *t;

    (void)state;
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V2_1_1, "127.0.0.1:1", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_ics(r, NULL), KEEL_OK);
    t = test_of(r, "4-1", "4-1-1");
    assert_non_null(t);
    assert_int_equal(t->kind, KEEL_AUDIT_CONCEPTUAL);
    assert_int_equal(t->verdict, KEEL_AUDIT_INCONCLUSIVE);
    ics_all_yes(&ics, KEEL_EN303645_V3_1_3);
    assert_int_equal(keel_audit_check_ics(r, &ics), KEEL_ERR_ARG); /* another version */
    assert_int_equal(keel_audit_ics_apply(r, &ics, NULL, 0), KEEL_ERR_ARG);
    keel_audit_report_free(r);

    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", &r), KEEL_OK);
    assert_int_equal(keel_audit_check_ics(r, &ics), KEEL_OK);
    t = test_of(r, "5.0-1", "5.0-1-1");
    assert_non_null(t);
    assert_int_equal(t->verdict, KEEL_AUDIT_PASS);
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "5.0-1")), KEEL_AUDIT_PASS);
    keel_audit_report_free(r);
    keel_audit_ics_free(&ics);
}

static void record(keel_audit_report *r, const char *id, keel_audit_kind kind, keel_audit_verdict v,
                   size_t lines)
{
    keel_audit_evidence ev;

    keel_audit_evidence_init(&ev);
    for (size_t i = 0; i < lines; i++)
        assert_int_equal(keel_audit_evidence_addf(&ev, "found %zu", i), KEEL_OK);
    assert_int_equal(keel_audit_record(r, id, kind, v, &ev), KEEL_OK);
}

static void test_apply_na(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_ics ics;
    const keel_audit_test *t;
    const keel_audit_entry *e;

    (void)state;
    ics_all_yes(&ics, KEEL_EN303645_V3_1_3);
    declare(&ics, "6-2", KEEL_AUDIT_SUPPORT_NA, "nothing is processed on consent");
    declare(&ics, "6-3A", KEEL_AUDIT_SUPPORT_NA, "nothing is processed on consent");
    declare(&ics, "6-7", KEEL_AUDIT_SUPPORT_NA, "no aggregates");
    declare(&ics, "5.5-1", KEEL_AUDIT_SUPPORT_NA, "not allowed"); /* unconditional: not applied */
    assert_true(keel_audit_ics_skips(&ics, "6-3A"));
    assert_false(keel_audit_ics_skips(&ics, "5.5-1"));
    assert_false(keel_audit_ics_skips(&ics, "6-1"));
    assert_false(keel_audit_ics_skips(NULL, "6-3A"));
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", &r), KEEL_OK);
    /* a step serving several provisions recorded 6-2-1 FAIL; 5.5-1-2 ran as usual */
    record(r, "6-2-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_FAIL, 2);
    record(r, "6-1-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_PASS, 1);
    record(r, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, 1);
    assert_int_equal(keel_audit_ics_apply(r, &ics, NULL, 0), KEEL_OK);

    t = test_of(r, "6-2", "6-2-1");
    assert_non_null(t);
    assert_int_equal(t->verdict, KEEL_AUDIT_NA);
    assert_int_equal(t->evidence_count, 5);
    assert_string_equal(t->evidence[0], "the ICS declares 6-2 N/A: status M F (y), F y: personal "
                                        "data is processed on the basis of consent");
    assert_string_equal(t->evidence[1], "ICS justification: nothing is processed on consent");
    assert_string_equal(t->evidence[2], "set aside: this test case ran and found FAIL");
    assert_string_equal(t->evidence[3], "found 0");
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "6-2")), KEEL_AUDIT_NA);

    /* not recorded by any step: its catalog test case, N/A */
    t = test_of(r, "6-3A", "6-3A-2");
    assert_non_null(t);
    assert_int_equal(t->verdict, KEEL_AUDIT_NA);
    assert_int_equal(t->kind, KEEL_AUDIT_FUNCTIONAL);
    assert_int_equal(t->evidence_count, 2);
    /* no test case in the catalog: the conceptual one */
    e = keel_audit_report_find(r, "6-7");
    assert_int_equal(e->test_count, 1);
    assert_string_equal(e->tests[0].id, "6-7-1");
    assert_int_equal(e->tests[0].kind, KEEL_AUDIT_CONCEPTUAL);
    assert_int_equal(keel_audit_entry_verdict(e), KEEL_AUDIT_NA);
    /* untouched */
    assert_int_equal(test_of(r, "6-1", "6-1-1")->verdict, KEEL_AUDIT_PASS);
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "5.5-1")), KEEL_AUDIT_FAIL);
    assert_int_equal(keel_audit_report_find(r, "5.6-4B")->test_count, 0);
    keel_audit_report_free(r);
    keel_audit_ics_free(&ics);
}

/* --only: N/A lands on the provisions named and on those a step recorded, nowhere else. */
static void test_apply_only(void **state)
{
    const keel_provision *only[1] = {keel_catalog_find(KEEL_EN303645_V3_1_3, "6-7")};
    keel_audit_report *r = NULL;
    keel_audit_ics ics;

    (void)state;
    ics_all_yes(&ics, KEEL_EN303645_V3_1_3);
    declare(&ics, "6-2", KEEL_AUDIT_SUPPORT_NA, "nothing on consent");
    declare(&ics, "6-7", KEEL_AUDIT_SUPPORT_NA, "no aggregates");
    declare(&ics, "5.6-4B", KEEL_AUDIT_SUPPORT_NA, "no physical port");
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", &r), KEEL_OK);
    record(r, "6-2-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_PASS, 0);
    assert_int_equal(keel_audit_ics_apply(r, &ics, only, 1), KEEL_OK);
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "6-7")), KEEL_AUDIT_NA);
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "6-2")), KEEL_AUDIT_NA);
    assert_int_equal(keel_audit_entry_verdict(keel_audit_report_find(r, "5.6-4B")),
                     KEEL_AUDIT_NOT_TESTED);
    keel_audit_report_free(r);
    keel_audit_ics_free(&ics);
}

/* A test case with full evidence keeps within the bound: the ICS's lines, the newest findings
 * cut, and a note. */
static void test_apply_bound(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_ics ics;
    const keel_audit_test *t;

    (void)state;
    ics_all_yes(&ics, KEEL_EN303645_V3_1_3);
    declare(&ics, "6-4", KEEL_AUDIT_SUPPORT_NA, "no telemetry");
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", &r), KEEL_OK);
    record(r, "6-4-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_PASS, KEEL_AUDIT_EVIDENCE_MAX + 5);
    t = test_of(r, "6-4", "6-4-1");
    assert_int_equal(t->evidence_count, KEEL_AUDIT_EVIDENCE_MAX + 1);
    assert_int_equal(keel_audit_ics_apply(r, &ics, NULL, 0), KEEL_OK);
    assert_int_equal(t->verdict, KEEL_AUDIT_NA);
    assert_int_equal(t->evidence_count, KEEL_AUDIT_EVIDENCE_MAX + 1);
    assert_string_equal(t->evidence[2], "set aside: this test case ran and found PASS");
    assert_string_equal(t->evidence[3], "found 0");
    assert_string_equal(t->evidence[KEEL_AUDIT_EVIDENCE_MAX - 1],
                        "found " /* the last kept */ "60");
    assert_string_equal(t->evidence[KEEL_AUDIT_EVIDENCE_MAX],
                        "[keel: 4 evidence lines of this test case cut to make room for the "
                        "ICS's, limit 64]");
    keel_audit_report_free(r);
    keel_audit_ics_free(&ics);
}

static void test_apply_not_met(void **state)
{
    keel_audit_report *r = NULL;
    keel_audit_ics ics;
    const keel_audit_test *t;

    (void)state;
    ics_all_yes(&ics, KEEL_EN303645_V3_1_3);
    declare(&ics, "5.2-1", KEEL_AUDIT_SUPPORT_NO, "no policy yet");
    declare(&ics, "6-1", KEEL_AUDIT_SUPPORT_NO, "");
    declare(&ics, "5.6-3", KEEL_AUDIT_SUPPORT_NO, "software only"); /* R: no FAIL */
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:1", &r), KEEL_OK);
    record(r, "6-1-1", KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_PASS, 0);
    assert_int_equal(keel_audit_ics_apply(r, &ics, NULL, 0), KEEL_OK);
    t = test_of(r, "5.2-1", "5.2-1-1");
    assert_non_null(t);
    assert_int_equal(t->verdict, KEEL_AUDIT_FAIL);
    assert_int_equal(t->kind, KEEL_AUDIT_CONCEPTUAL);
    assert_string_equal(t->evidence[0], "the ICS declares this mandatory provision not met (N)");
    assert_string_equal(t->evidence[1], "ICS justification: no policy yet");
    /* its conceptual test case was recorded by a step: left as it is */
    assert_int_equal(keel_audit_report_find(r, "6-1")->test_count, 1);
    assert_int_equal(keel_audit_report_find(r, "5.6-3")->test_count, 0);
    keel_audit_report_free(r);
    keel_audit_ics_free(&ics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),       cmocka_unit_test(test_check_ics),
        cmocka_unit_test(test_apply_na),    cmocka_unit_test(test_apply_only),
        cmocka_unit_test(test_apply_bound), cmocka_unit_test(test_apply_not_met),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
