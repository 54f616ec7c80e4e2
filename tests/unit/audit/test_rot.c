/* 5.4-1-2's judgement on what a device's status route answered: the development file root
 * of trust fails, a TPM passes, anything the test cannot read is inconclusive and says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"

/* The verdict, checking that exactly one evidence line was written and that it holds says. */
static keel_audit_verdict judge(long status, keel_err found, const char *rot, const char *says)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_rot_judge(status, found, rot, &ev);
    assert_int_equal(ev.count, 1);
    if (strstr(ev.lines[0], says) == NULL)
        fail_msg("evidence '%s' does not say '%s'", ev.lines[0], says);
    keel_audit_evidence_free(&ev);
    return v;
}

static void test_file_fails(void **state)
{
    (void)state;
    assert_int_equal(judge(200, KEEL_OK, "file",
                           "the device keeps its keys in files (development "
                           "root of trust): 5.4-1 needs them in protected "
                           "storage"),
                     KEEL_AUDIT_FAIL);
}

static void test_tpm2_passes(void **state)
{
    (void)state;
    assert_int_equal(judge(200, KEEL_OK, "tpm2",
                           "the device reports a TPM 2.0 root of trust (self-reported through "
                           "its authenticated status)"),
                     KEEL_AUDIT_PASS);
}

static void test_unknown_values(void **state)
{
    (void)state;
    assert_int_equal(judge(200, KEEL_OK, "secure-element", "root of trust 'secure-element'"),
                     KEEL_AUDIT_INCONCLUSIVE);
    /* Near misses are not what keel knows: no PASS or FAIL by a loose match. */
    assert_int_equal(judge(200, KEEL_OK, "TPM2", "'TPM2', which keel does not know"),
                     KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(200, KEEL_OK, "files", "'files'"), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(200, KEEL_OK, "", "root of trust ''"), KEEL_AUDIT_INCONCLUSIVE);
    /* A hostile value is escaped by the evidence, not trusted. */
    assert_int_equal(judge(200, KEEL_OK, "tpm2\n", "'tpm2\\x0a'"), KEEL_AUDIT_INCONCLUSIVE);
}

static void test_missing_or_unreadable(void **state)
{
    (void)state;
    assert_int_equal(judge(200, KEEL_ERR_PARSE, NULL, "names no root_of_trust"),
                     KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(200, KEEL_ERR_RANGE, NULL, "longer than 31 bytes"),
                     KEEL_AUDIT_INCONCLUSIVE);
    /* What found says wins over a stray value. */
    assert_int_equal(judge(200, KEEL_ERR_PARSE, "file", "names no root_of_trust"),
                     KEEL_AUDIT_INCONCLUSIVE);
}

static void test_no_answer(void **state)
{
    (void)state;
    assert_int_equal(judge(0, KEEL_ERR_PARSE, NULL, "did not answer"), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(404, KEEL_ERR_PARSE, NULL,
                           "no status route (HTTP 404); name it with "
                           "--status-path"),
                     KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(405, KEEL_ERR_PARSE, NULL, "(HTTP 405)"), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(judge(401, KEEL_ERR_PARSE, NULL, "answered HTTP 401"),
                     KEEL_AUDIT_INCONCLUSIVE);
    /* A body naming "file" under an error status is not the device's status. */
    assert_int_equal(judge(500, KEEL_OK, "file", "answered HTTP 500"), KEEL_AUDIT_INCONCLUSIVE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_fails),     cmocka_unit_test(test_tpm2_passes),
        cmocka_unit_test(test_unknown_values), cmocka_unit_test(test_missing_or_unreadable),
        cmocka_unit_test(test_no_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
