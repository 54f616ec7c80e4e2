/* The judges of 5.6-1-2 (ports), 5.5-1-2 (TLS), 5.5-4-2 / 5.5-5-2 (access), 5.6-2-2
 * (disclosure) and 5.6-4A-2 (build kind), without a network: every rule decides once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "expect_line.h"

static void test_ports(void **state)
{
    const uint16_t declared[] = {8443, 9000};
    const uint16_t open_ok[] = {8443}, open_extra[] = {22, 8443}, open_other[] = {22};
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_ports_judge(open_ok, 1, declared, 2, 1, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "declared interfaces (IXIT): TCP 8443, TCP 9000");
    EXPECT_LINE(&ev, "open TCP ports: 8443");
    EXPECT_LINE(&ev, "TCP 9000: declared, closed");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_ports_judge(open_extra, 2, declared, 2, 1, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "open TCP ports: 22,8443");
    EXPECT_LINE(&ev, "TCP 22: open, not declared");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_ports_judge(open_other, 1, declared, 1, 0, &ev),
                     KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "declared interfaces: TCP 8443");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_ports_judge(NULL, 0, declared, 1, 0, &ev), KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "open TCP ports: none");
    keel_audit_evidence_free(&ev);
}

static keel_audit_tls_cert good_cert(void)
{
    keel_audit_tls_cert c;

    memset(&c, 0, sizeof(c));
    c.present = 1;
    (void)keel_str_copy(c.key_type, sizeof(c.key_type), "EC");
    c.key_bits = 256;
    c.name_checked = 1;
    c.name_match = 1;
    (void)keel_str_copy(c.expected, sizeof(c.expected), "192.0.2.1");
    return c;
}

static keel_audit_verdict tls(const keel_audit_tls_probe v[4], const keel_audit_tls_probe c[3],
                              const keel_audit_tls_cert *cert)
{
    keel_audit_evidence ev;
    keel_audit_verdict r;

    keel_audit_evidence_init(&ev);
    r = keel_audit_tls_judge(v, c, cert, &ev);
    assert_true(ev.count > 0 || r == KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
    return r;
}

static void test_tls(void **state)
{
    const keel_audit_tls_probe R = KEEL_AUDIT_TLS_REFUSED, A = KEEL_AUDIT_TLS_ACCEPTED,
                               U = KEEL_AUDIT_TLS_UNPROBED;
    const keel_audit_tls_probe modern[4] = {R, R, A, A}, legacy[4] = {A, R, A, A},
                               none[4] = {R, R, R, R}, unprobed[4] = {U, R, A, A},
                               only13[4] = {R, R, R, A};
    const keel_audit_tls_probe clean[3] = {R, R, R}, nofs[3] = {A, R, R}, cbc[3] = {R, A, R},
                               weak[3] = {R, R, A}, cls_u[3] = {R, U, R};
    keel_audit_tls_cert c = good_cert();
    keel_audit_evidence ev;

    (void)state;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_PASS);
    assert_int_equal(tls(only13, cls_u, &c), KEEL_AUDIT_PASS); /* classes need TLS 1.2 */
    assert_int_equal(tls(legacy, clean, &c), KEEL_AUDIT_FAIL);
    assert_int_equal(tls(none, clean, &c), KEEL_AUDIT_FAIL);
    assert_int_equal(tls(unprobed, clean, &c), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(tls(modern, nofs, &c), KEEL_AUDIT_FAIL);
    assert_int_equal(tls(modern, cbc, &c), KEEL_AUDIT_FAIL);
    assert_int_equal(tls(modern, weak, &c), KEEL_AUDIT_FAIL);
    assert_int_equal(tls(modern, cls_u, &c), KEEL_AUDIT_INCONCLUSIVE);
    assert_int_equal(tls(modern, clean, NULL), KEEL_AUDIT_INCONCLUSIVE);
    c.key_bits = 224;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_FAIL);
    c = good_cert();
    (void)keel_str_copy(c.key_type, sizeof(c.key_type), "RSA");
    c.key_bits = 1024;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_tls_judge(modern, clean, &c, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "the certificate's RSA key has 1024 bits, fewer than 2048");
    keel_audit_evidence_free(&ev);
    c.key_bits = 2048;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_PASS);
    c.expired = 1;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_FAIL);
    c.expired = 0;
    c.not_yet_valid = 1;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_FAIL);
    c.not_yet_valid = 0;
    /* Name rule: by address or self-signed, a mismatch is evidence; a CA-issued
     * certificate for a DNS name must match. */
    c.name_match = 0;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_PASS);
    c.name_is_dns = 1;
    (void)keel_str_copy(c.expected, sizeof(c.expected), "lock.example");
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_tls_judge(modern, clean, &c, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    c.self_signed = 1;
    assert_int_equal(tls(modern, clean, &c), KEEL_AUDIT_PASS);
}

static void test_access(void **state)
{
    keel_audit_ixit_route routes[3] = {
        {.method = "GET", .path = "/api/v1/status"},
        {.method = "POST", .path = "/api/v1/password", .security_relevant = 1},
        {.method = "POST", .path = "/api/v1/reset", .is_public = 1, .security_relevant = 1},
    };
    keel_audit_ixit x = {.routes = routes, .route_count = 2};
    keel_audit_access_probe p[2] = {{.route = &routes[0], .status = 401},
                                    {.route = &routes[0], .with_token = 1, .status = 403}};
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_access_judge(p, 0, 0, &x, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    p[1].status = 200;
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "GET /api/v1/status with a bogus bearer token: HTTP 200, not refused "
                     "(401/403)");
    keel_audit_evidence_free(&ev);
    p[1].status = 500;
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    p[1].status = 404;
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    p[1].status = 302;
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    p[1].status = 0;
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    /* 5.5-5: a public security-relevant route fails by declaration. */
    p[1].status = 401;
    x.route_count = 3;
    assert_int_equal(keel_audit_access_judge(p, 2, 1, &x, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "POST /api/v1/reset: security-relevant and declared public (no "
                     "authentication)");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_access_judge(p, 2, 0, &x, &ev), KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
}

static void test_versions(void **state)
{
    (void)state;
    assert_true(keel_audit_has_version("nginx/1.22.1", 1));
    assert_true(keel_audit_has_version("lighttpd 1", 1));
    assert_false(keel_audit_has_version("nginx", 1));
    assert_false(keel_audit_has_version("", 1));
    assert_true(keel_audit_has_version("<center>nginx/1.22.1</center>", 0));
    assert_true(keel_audit_has_version("firmware version: 3", 0));
    assert_true(keel_audit_has_version("Version=\"2", 0));
    assert_false(keel_audit_has_version("{\"error\":\"not found\"}", 0));
    assert_false(keel_audit_has_version("Error code: 501", 0));
    assert_false(keel_audit_has_version("a/b 1/2", 0));
    assert_true(keel_audit_has_stack_trace("Traceback (most recent call last):\n  File"));
    assert_true(keel_audit_has_stack_trace("java.lang.NullPointerException\n\tat x.y"));
    assert_true(keel_audit_has_stack_trace("panic: runtime error"));
    assert_false(keel_audit_has_stack_trace("{\"error\":\"unauthorized\"}"));
    assert_false(keel_audit_has_stack_trace(NULL));
}

static keel_audit_disclosure_probe answer(const char *what, long status, const char *server,
                                          const char *ct, const char *body)
{
    keel_audit_disclosure_probe p;

    memset(&p, 0, sizeof(p));
    p.what = what;
    p.status = status;
    (void)keel_str_copy(p.server, sizeof(p.server), server);
    (void)keel_str_copy(p.content_type, sizeof(p.content_type), ct);
    (void)keel_str_copy(p.body, sizeof(p.body), body);
    return p;
}

static void test_disclosure(void **state)
{
    keel_audit_disclosure_probe p[3];
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    p[0] = answer("unknown", 404, "", "application/json", "{\"error\":\"not found\"}");
    p[1] = answer("wrong method", 405, "", "application/json; charset=utf-8", "{\"e\":1}");
    p[2] = answer("no session", 401, "", "application/json", "{\"error\":\"unauthorized\"}");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_PASS);
    keel_audit_evidence_free(&ev);
    p[0] = answer("unknown", 404, "keel", "application/json", "{}");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "unknown: Server header 'keel'");
    keel_audit_evidence_free(&ev);
    p[0] = answer("unknown", 404, "WeakHTTPd/1.2.3", "application/json", "{}");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "unknown: Server header 'WeakHTTPd/1.2.3' names a version");
    keel_audit_evidence_free(&ev);
    p[0] = answer("unknown", 404, "", "application/json", "{}");
    (void)keel_str_copy(p[0].powered_by, sizeof(p[0].powered_by), "PHP/8.1");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    p[0] = answer("unknown", 404, "", "text/html", "<h1>404</h1>");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "unknown answers 'text/html', wrong method answers 'application/json': "
                     "another software layer shows through");
    keel_audit_evidence_free(&ev);
    p[0] = answer("unknown", 500, "", "application/json", "Traceback (most recent call last)");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    p[0] = answer("unknown", 404, "", "application/json", "{\"server\":\"keel/0.1\"}");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    for (int i = 0; i < 3; i++)
        p[i] = answer("x", 0, "", "", "");
    assert_int_equal(keel_audit_disclosure_judge(p, 3, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

static void test_build_kind(void **state)
{
    keel_audit_evidence ev;

    (void)state;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_build_kind_judge(1, 1, 1, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_build_kind_judge(1, 0, 0, &ev), KEEL_AUDIT_FAIL);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_build_kind_judge(0, 2, 0, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_build_kind_judge(0, 2, 1, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "only keel production builds found (2 file(s))");
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_build_kind_judge(0, 0, 1, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "no keel build marker found");
    keel_audit_evidence_free(&ev);
    /* libkeel itself carries the marker the audit looks for. */
    assert_non_null(strstr(keel_build_kind, "keel-build-kind: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports),      cmocka_unit_test(test_tls),
        cmocka_unit_test(test_access),     cmocka_unit_test(test_versions),
        cmocka_unit_test(test_disclosure), cmocka_unit_test(test_build_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
