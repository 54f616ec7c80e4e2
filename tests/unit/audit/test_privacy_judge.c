/* The conceptual test cases over the IXIT's privacy members (5.8-3-1, 5.10-1-1, 5.11-1-1,
 * 5.11-2-1, 6-1-1, 6-2-1, 6-4-1, 6-5-1): each passes on the reference lock's declaration, and
 * fails, is not applicable or is undecided for the declarations that call for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "expect_line.h"
#include "privacy_ixit.h"

typedef keel_audit_verdict (*judge_fn)(const keel_audit_ixit *x, keel_audit_evidence *ev);

/* Parse text (freed here) and judge it with fn (or vfn for version v). */
static keel_audit_verdict judge(char *text, judge_fn fn,
                                keel_audit_verdict (*vfn)(const keel_audit_ixit *,
                                                          keel_catalog_version,
                                                          keel_audit_evidence *),
                                keel_catalog_version v, keel_audit_evidence *ev)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit x;
    keel_audit_verdict verdict;

    assert_non_null(text);
    if (keel_audit_ixit_parse(text, strlen(text), &x, why, sizeof(why)) != KEEL_OK)
        fail_msg("the test's IXIT is refused: %s", why);
    free(text);
    keel_audit_evidence_init(ev);
    verdict = fn != NULL ? fn(&x, ev) : vfn(&x, v, ev);
    keel_audit_ixit_free(&x);
    return verdict;
}

static char *full(void)
{
    return strdup(PRIVACY_IXIT);
}

static void test_sensing(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(judge(full(), NULL, keel_audit_sensing_judge, KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "door sensor (whether the door is open): documented in "
                     "docs/user-guide.md#the-door-sensor (User guide)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("sensing.0.documented_in", "\"docs/internal.md\""),
                           NULL, keel_audit_sensing_judge, KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "door sensor: documented in docs/internal.md, which is not a document the "
                     "owner is given (user_info)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("sensing", "[]"), NULL, keel_audit_sensing_judge,
                           KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_NA);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("sensing", "[]"), NULL, keel_audit_sensing_judge,
                           KEEL_EN303645_V2_1_1, &ev),
                     KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("sensing", NULL), NULL, keel_audit_sensing_judge,
                           KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "the IXIT has no sensing (22-ExtSens): nothing to judge");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("user_info", NULL), NULL, keel_audit_sensing_judge,
                           KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

static void test_telemetry(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(judge(full(), keel_audit_telemetry_examined_judge, NULL, 0, &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "examined for security anomalies by: keel monitor: per-device and per-fleet "
                     "baselines");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("telemetry.examined_by", "\"None\""),
                           keel_audit_telemetry_examined_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    /* No telemetry: 5.10-1, 6-4, 6-5 do not apply; nothing said: undecided. */
    for (int i = 0; i < 3; i++) {
        judge_fn fn = i == 0   ? keel_audit_telemetry_examined_judge
                      : i == 1 ? keel_audit_telemetry_minimal_judge
                               : keel_audit_telemetry_info_judge;
        assert_int_equal(judge(privacy_ixit_with("telemetry", "null"), fn, NULL, 0, &ev),
                         KEEL_AUDIT_NA);
        keel_audit_evidence_free(&ev);
        assert_int_equal(judge(privacy_ixit_with("telemetry", NULL), fn, NULL, 0, &ev),
                         KEEL_AUDIT_INCONCLUSIVE);
        keel_audit_evidence_free(&ev);
    }
    assert_int_equal(judge(full(), keel_audit_telemetry_minimal_judge, NULL, 0, &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "2 telemetry field(s), 0 marked personal, 0 without a justification");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("telemetry.fields.1",
                                             "{\"name\":\"who\",\"meaning\":\"the PIN's holder\","
                                             "\"personal\":true}"),
                           keel_audit_telemetry_minimal_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "field who is personal data and nothing says why the purpose needs it");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("telemetry.fields.1",
                                             "{\"name\":\"who\",\"meaning\":\"the PIN's holder\","
                                             "\"personal\":true,\"justification\":\"the owner "
                                             "asked for it\"}"),
                           keel_audit_telemetry_minimal_judge, NULL, 0, &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "field who is personal data: the owner asked for it");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(full(), keel_audit_telemetry_info_judge, NULL, 0, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "field device: a pseudonym of the lock");
    EXPECT_LINE(&ev, "the consumer gets: Privacy notice (docs/privacy.md)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("telemetry.fields", "[]"),
                           keel_audit_telemetry_info_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("user_info.documents", "[]"),
                           keel_audit_telemetry_info_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "user_info names no document: the consumer is not told");
    keel_audit_evidence_free(&ev);
}

static void test_personal_data(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(judge(full(), keel_audit_personal_data_judge, NULL, 0, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "access_log_copy: a copy of the access log | purpose: the owner's history in "
                     "the cloud app | basis: consent | retention: until the owner asks the service "
                     "to delete it | recipients: keel cloud service");
    EXPECT_LINE(&ev,
                "pin_codes: keypad PIN codes and their holders' names | purpose: open the door "
                "from the keypad | basis: contract | retention: until the owner removes the "
                "PIN | recipients: none besides the controller");
    EXPECT_LINE(&ev, "3 of 3 personal data fully described");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("personal_data.data.1.legal_basis", "\"consent\""),
                           keel_audit_personal_data_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "access_log: processed on consent, but names no consent purpose");
    keel_audit_evidence_free(&ev);
    assert_int_equal(
        judge(privacy_ixit_with("user_info", NULL), keel_audit_personal_data_judge, NULL, 0, &ev),
        KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    assert_int_equal(
        judge(privacy_ixit_with2("personal_data.data", "[]", "personal_data.consent", "[]"),
              keel_audit_personal_data_judge, NULL, 0, &ev),
        KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("personal_data", NULL), keel_audit_personal_data_judge,
                           NULL, 0, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

static void test_consent(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(judge(full(), keel_audit_consent_judge, NULL, 0, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "access_log_sync: off by default, given and withdrawn at POST "
                     "/api/v1/privacy/consent (copy the access log to the cloud)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("personal_data.consent.0.default", "true"),
                           keel_audit_consent_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "access_log_sync: on by default: consent must be asked, not assumed");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("personal_data.consent.0.route", "\"/api/v1/opt-in\""),
                           keel_audit_consent_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "access_log_sync: its route POST /api/v1/opt-in is not among the IXIT's "
                     "routes");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("personal_data.data.2.consent_purpose", "null"),
                           keel_audit_consent_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    /* Nothing on consent: condition 7 / feature y absent. */
    assert_int_equal(
        judge(privacy_ixit_with2("personal_data.data.2", NULL, "personal_data.consent", "[]"),
              keel_audit_consent_judge, NULL, 0, &ev),
        KEEL_AUDIT_NA);
    keel_audit_evidence_free(&ev);
}

static void test_deletion(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(judge(full(), keel_audit_deletion_device_judge, NULL, 0, &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "reset: POST /api/v1/reset, the device restarts in its factory state");
    EXPECT_LINE(&ev, "instructions for the user: docs/user-guide.md#deleting-your-data");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("deletion.reset.path", "\"/api/v1/factory\""),
                           keel_audit_deletion_device_judge, NULL, 0, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "reset: POST /api/v1/factory, the device restarts in its factory state: not "
                     "among the IXIT's routes");
    keel_audit_evidence_free(&ev);
    assert_int_equal(
        judge(privacy_ixit_with("deletion", NULL), keel_audit_deletion_device_judge, NULL, 0, &ev),
        KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    assert_int_equal(
        judge(full(), NULL, keel_audit_deletion_service_judge, KEEL_EN303645_V3_1_3, &ev),
        KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "status: GET /api/v1/privacy/cloud-delete, state = \"confirmed\" once "
                     "confirmed");
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("routes.3", NULL), NULL,
                           keel_audit_deletion_service_judge, KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("deletion.service", "null"), NULL,
                           keel_audit_deletion_service_judge, KEEL_EN303645_V3_1_3, &ev),
                     KEEL_AUDIT_NA);
    keel_audit_evidence_free(&ev);
    assert_int_equal(judge(privacy_ixit_with("deletion.service", "null"), NULL,
                           keel_audit_deletion_service_judge, KEEL_EN303645_V2_1_1, &ev),
                     KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
}

/* The conceptual test cases land in the report under TS 103 701's ids, conceptual, in both
 * versions; an IXIT without the members leaves each undecided, never passed. */
static void test_recorded(void **state)
{
    static const char *const ids[] = {"5.8-3", "5.10-1", "5.11-1", "5.11-2",
                                      "6-1",   "6-2",    "6-4",    "6-5"};
    static const char plain[] = "{\"interfaces\":[],\"routes\":[]}";
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_report *r = NULL;
    keel_audit_ixit x;

    (void)state;
    for (int v = 0; v < 2; v++) {
        assert_int_equal(keel_audit_ixit_parse(v ? PRIVACY_IXIT : plain,
                                               strlen(v ? PRIVACY_IXIT : plain), &x, why,
                                               sizeof(why)),
                         KEEL_OK);
        assert_int_equal(keel_audit_report_new(v ? KEEL_EN303645_V3_1_3 : KEEL_EN303645_V2_1_1,
                                               "127.0.0.1:8443", &r),
                         KEEL_OK);
        assert_int_equal(keel_audit_check_privacy_docs(r, &x), KEEL_OK);
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
            const keel_audit_entry *e = keel_audit_report_find(r, ids[i]);
            assert_non_null(e);
            assert_int_equal(e->test_count, 1);
            assert_int_equal(e->tests[0].kind, KEEL_AUDIT_CONCEPTUAL);
            assert_int_equal(e->tests[0].verdict, v ? KEEL_AUDIT_PASS : KEEL_AUDIT_INCONCLUSIVE);
            assert_true(strncmp(e->tests[0].evidence[0], "units: ", 7) == 0);
        }
        keel_audit_report_free(r);
        keel_audit_ixit_free(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sensing),       cmocka_unit_test(test_telemetry),
        cmocka_unit_test(test_personal_data), cmocka_unit_test(test_consent),
        cmocka_unit_test(test_deletion),      cmocka_unit_test(test_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
