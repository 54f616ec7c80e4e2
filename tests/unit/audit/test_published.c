/* 5.3-13-2 and 5.3-16-2: the IXIT's "publication" and "security_txt", the label reader, the
 * comparison of published values and the judge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "expect_line.h"

#define BASE "{\"interfaces\":[],\"routes\":[]"

static void test_ixit(void **state)
{
    static const char text[] =
        BASE ",\"security_txt\":\"/security.txt\",\"publication\":{\"support_until\":"
             "\"2031-12-31\",\"model\":\"keel-lock-1\",\"api\":{\"path\":\"/api/v1/device\","
             "\"support_until\":\"support_until\",\"model\":\"model\"},\"label\":{\"model\":"
             "\"model\"}}}";
    keel_audit_ixit x;
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    (void)state;
    assert_int_equal(keel_audit_ixit_parse(text, strlen(text), &x, why, sizeof(why)), KEEL_OK);
    assert_string_equal(x.security_txt, "/security.txt");
    assert_true(x.publication.present);
    assert_string_equal(x.publication.support_until, "2031-12-31");
    assert_string_equal(x.publication.model, "keel-lock-1");
    assert_string_equal(x.publication.api_path, "/api/v1/device");
    assert_string_equal(x.publication.api_support_until, "support_until");
    assert_true(x.publication.has_label);
    assert_string_equal(x.publication.label_model, "model");
    assert_string_equal(x.publication.label_support_until, "");
    assert_null(x.outage);
    keel_audit_ixit_free(&x);
    /* Absent: nothing declared. */
    assert_int_equal(keel_audit_ixit_parse(BASE "}", sizeof(BASE), &x, why, sizeof(why)), KEEL_OK);
    assert_false(x.publication.present);
    assert_string_equal(x.security_txt, "");
    keel_audit_ixit_free(&x);
}

static void refused(const char *tail, const char *says)
{
    char text[2048], why[KEEL_AUDIT_IXIT_WHY_MAX];
    keel_audit_ixit x;
    int n = snprintf(text, sizeof(text), "%s,%s}", BASE, tail);

    assert_true(n > 0 && n < (int)sizeof(text));
    assert_int_equal(keel_audit_ixit_parse(text, (size_t)n, &x, why, sizeof(why)), KEEL_ERR_PARSE);
    if (strcmp(why, says) != 0)
        fail_msg("'%s' for '%s': expected '%s'", why, tail, says);
    assert_null(x.routes);
}

static void test_ixit_refused(void **state)
{
    (void)state;
    refused("\"security_txt\":\"security.txt\"",
            "security_txt: must start with '/' and hold only printable ASCII without spaces");
    refused("\"publication\":[]", "publication: must be an object");
    refused("\"publication\":{\"support_until\":\"31.12.2031\",\"api\":{\"path\":\"/d\","
            "\"support_until\":\"s\"}}",
            "publication.support_until: must be a date YYYY-MM-DD");
    refused("\"publication\":{\"support_until\":\"2031-02-30\"}",
            "publication.support_until: must be a date YYYY-MM-DD");
    refused("\"publication\":{\"model\":\"m\"}",
            "publication: names no place: \"api\" or \"label\"");
    refused("\"publication\":{}", "publication: declares neither support_until nor model");
    refused("\"publication\":{\"model\":\"m\",\"api\":{\"model\":\"model\"}}",
            "publication.api.path: missing");
    refused("\"publication\":{\"model\":\"m\",\"api\":{\"path\":\"/d\",\"support_until\":\"s\"}}",
            "publication.api.support_until: named, but \"publication\" declares no value to "
            "compare with");
    refused("\"publication\":{\"model\":\"m\",\"label\":{}}",
            "publication.label: names neither support_until nor model");
    refused("\"publication\":{\"model\":\"m\",\"label\":{\"model\":\"a\\nb\"}}",
            "publication.label.model: must not hold control characters");
}

static void test_label_value(void **state)
{
    static const char label[] = "keel device label\nmodel:    keel-lock-1\nserial:   KL1\n"
                                "Support Until: 2031-12-31  \r\npassword: abc\n";
    char out[64];

    (void)state;
    assert_int_equal(keel_audit_label_value(label, strlen(label), "model", out, sizeof(out)),
                     KEEL_OK);
    assert_string_equal(out, "keel-lock-1");
    assert_int_equal(
        keel_audit_label_value(label, strlen(label), "support until", out, sizeof(out)), KEEL_OK);
    assert_string_equal(out, "2031-12-31");
    assert_int_equal(keel_audit_label_value(label, strlen(label), "firmware", out, sizeof(out)),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_audit_label_value(label, strlen(label), "model", out, 5), KEEL_ERR_RANGE);
    assert_int_equal(keel_audit_label_value("model: a\nmodel: b\n", 18, "model", out, sizeof(out)),
                     KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_label_value("model:  \n", 9, "model", out, sizeof(out)),
                     KEEL_ERR_PARSE);
    assert_int_equal(keel_audit_label_value("model: a\x01\n", 10, "model", out, sizeof(out)),
                     KEEL_ERR_PARSE);
    /* "modelx:" and " model:" are other keys. */
    assert_int_equal(keel_audit_label_value("modelx: a\n model: b", 19, "model", out, sizeof(out)),
                     KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_audit_label_value(NULL, 1, "model", out, sizeof(out)), KEEL_ERR_ARG);
}

static void test_same(void **state)
{
    (void)state;
    assert_true(keel_audit_published_same(1, "2031-12-31", "2031-12-31"));
    assert_false(keel_audit_published_same(1, "2031-12-31", "2030-12-31"));
    assert_false(keel_audit_published_same(1, "2031-12-31", "31 Dec 2031"));
    /* A label's sentence around the date; but one date only, standing alone. */
    assert_true(keel_audit_published_same(1, "2031-12-31", "security updates until 2031-12-31"));
    assert_true(keel_audit_published_same(1, "2031-12-31", "2031-12-31T00:00:00Z"));
    assert_false(keel_audit_published_same(1, "2031-12-31", "from 2025-01-01 to 2031-12-31"));
    assert_false(keel_audit_published_same(1, "2031-12-31", "12031-12-31"));
    assert_false(keel_audit_published_same(1, "2031-12-31", "2031-12-310"));
    assert_false(keel_audit_published_same(1, "until 2031-12-31", "2031-12-31"));
    assert_false(keel_audit_published_same(1, "2031-02-30", "2031-02-30"));
    assert_true(keel_audit_published_same(0, "keel-lock-1", "keel-lock-1"));
    assert_false(keel_audit_published_same(0, "keel-lock-1", "keel-lock-1 "));
    assert_false(keel_audit_published_same(0, "keel-lock-1", NULL));
}

static void test_judge(void **state)
{
    keel_audit_published_place p[2];
    keel_audit_evidence ev;

    (void)state;
    memset(p, 0, sizeof(p));
    (void)keel_str_copy(p[0].where, sizeof(p[0].where),
                        "GET /api/v1/device (no session) member support_until");
    p[0].reached = 1;
    p[0].status = 200;
    p[0].items = 1;
    (void)keel_str_copy(p[0].seen, sizeof(p[0].seen), "2031-12-31");
    (void)keel_str_copy(p[1].where, sizeof(p[1].where), "labels in d, line 'support until:'");
    p[1].reached = 1;
    p[1].items = 3;
    (void)keel_str_copy(p[1].seen, sizeof(p[1].seen), "2031-12-31");
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_published_judge("support period", "2031-12-31", p, 2, &ev),
                     KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "declared support period (IXIT): 2031-12-31");
    EXPECT_LINE(&ev, "GET /api/v1/device (no session) member support_until: '2031-12-31' as "
                     "declared");
    EXPECT_LINE(&ev, "labels in d, line 'support until:': all 3 show '2031-12-31'");
    keel_audit_evidence_free(&ev);
    /* Another value on the API; a label without it. */
    p[0].different = 1;
    (void)keel_str_copy(p[0].seen, sizeof(p[0].seen), "2029-01-01");
    p[1].absent = 1;
    (void)keel_str_copy(p[1].first_bad, sizeof(p[1].first_bad), "b.txt");
    p[1].seen[0] = '\0'; /* the first bad label's value: it has none */
    assert_int_equal(keel_audit_published_judge("support period", "2031-12-31", p, 2, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "GET /api/v1/device (no session) member support_until: '2029-01-01', "
                     "declared '2031-12-31'");
    EXPECT_LINE(&ev, "labels in d, line 'support until:': 1 of 3 without it, 0 with another value "
                     "(first: b.txt)");
    keel_audit_evidence_free(&ev);
    /* Behind a login: not published. */
    memset(&p[0], 0, sizeof(p[0]));
    (void)keel_str_copy(p[0].where, sizeof(p[0].where), "GET /d (no session) member model");
    p[0].reached = 1;
    p[0].status = 401;
    assert_int_equal(keel_audit_published_judge("model designation", "m", p, 1, &ev),
                     KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "GET /d (no session) member model: HTTP 401: not readable without logging in");
    keel_audit_evidence_free(&ev);
    /* No answer; nothing declared. */
    p[0].reached = 0;
    assert_int_equal(keel_audit_published_judge("model designation", "m", p, 1, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_published_judge("model designation", "", p, 1, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "the IXIT's \"publication\" declares no model designation: nothing to "
                     "compare");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_published_judge("model designation", "m", p, 0, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ixit),        cmocka_unit_test(test_ixit_refused),
        cmocka_unit_test(test_label_value), cmocka_unit_test(test_same),
        cmocka_unit_test(test_judge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
