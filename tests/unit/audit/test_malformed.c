/* 5.13-1B: the routes' declared input in the IXIT, the campaign's plan (each request malformed
 * in one way, never a plausible password), the error shape and both judges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "expect_line.h"
#include "malformed.h"

static const char ixit_text[] =
    "{\"interfaces\":[],\"routes\":["
    "{\"method\":\"POST\",\"path\":\"/api/v1/login\",\"public\":true,\"security_relevant\":false,"
    "\"max_body\":1024,\"body\":{\"password\":\"secret\"}},"
    "{\"method\":\"GET\",\"path\":\"/api/v1/lock\",\"public\":false,\"security_relevant\":false,"
    "\"max_body\":0},"
    "{\"method\":\"POST\",\"path\":\"/api/v1/lock\",\"public\":false,\"security_relevant\":false,"
    "\"max_body\":64,\"body\":{\"action\":\"string\"}},"
    "{\"method\":\"POST\",\"path\":\"/api/v1/logout\",\"public\":false,\"security_relevant\":false,"
    "\"max_body\":0}]}";

static void load(keel_audit_ixit *x)
{
    char why[KEEL_AUDIT_IXIT_WHY_MAX];

    assert_int_equal(keel_audit_ixit_parse(ixit_text, strlen(ixit_text), x, why, sizeof(why)),
                     KEEL_OK);
}

static void test_ixit(void **state)
{
    keel_audit_ixit x;
    char why[KEEL_AUDIT_IXIT_WHY_MAX];
    static const char bad_type[] =
        "{\"interfaces\":[],\"routes\":[{\"method\":\"POST\",\"path\":\"/a\",\"public\":true,"
        "\"security_relevant\":false,\"body\":{\"x\":\"text\"}}]}";
    static const char bad_max[] =
        "{\"interfaces\":[],\"routes\":[{\"method\":\"POST\",\"path\":\"/a\",\"public\":true,"
        "\"security_relevant\":false,\"max_body\":-1}]}";

    (void)state;
    load(&x);
    assert_int_equal(x.route_count, 4);
    assert_true(x.routes[0].has_max_body);
    assert_int_equal(x.routes[0].max_body, 1024);
    assert_true(x.routes[0].has_body);
    assert_int_equal(x.routes[0].member_count, 1);
    assert_string_equal(x.routes[0].members[0].name, "password");
    assert_int_equal(x.routes[0].members[0].type, KEEL_AUDIT_JSON_SECRET);
    assert_false(x.routes[1].has_body);
    keel_audit_ixit_free(&x);
    assert_int_equal(keel_audit_ixit_parse(bad_type, strlen(bad_type), &x, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "routes[0].body: member types must be \"string\", \"secret\", "
                             "\"integer\", \"number\", \"boolean\", \"object\" or \"array\"");
    assert_int_equal(keel_audit_ixit_parse(bad_max, strlen(bad_max), &x, why, sizeof(why)),
                     KEEL_ERR_PARSE);
    assert_string_equal(why, "routes[0].max_body: must be an integer 0-16777216");
}

static const keel_audit_bad_request *find(const keel_audit_bad_request *r, size_t n, size_t route,
                                          keel_audit_bad_kind k)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].route == route && r[i].kind == k)
            return &r[i];
    }
    return NULL;
}

static int holds(const keel_audit_bad_request *q, const char *text)
{
    size_t n = strlen(text);

    for (size_t i = 0; q->len >= n && i + n <= q->len; i++) {
        if (memcmp(q->data + i, text, n) == 0)
            return 1;
    }
    return 0;
}

static void test_plan(void **state)
{
    keel_audit_bad_request *r = NULL;
    const keel_audit_bad_request *q;
    keel_audit_ixit x;
    size_t n = 0, skipped = 0, framing = 0;

    (void)state;
    load(&x);
    assert_int_equal(keel_audit_bad_plan(&x, "127.0.0.1:8443", &r, &n, &skipped), KEEL_OK);
    assert_int_equal(skipped, 1); /* login: a secret member, no unknown-member case */
    for (size_t i = 0; i < n; i++) {
        framing += r[i].framing;
        /* Never a string where the password goes. */
        if (r[i].route == 0 && !r[i].framing)
            assert_false(holds(&r[i], "\"password\":\""));
    }
    assert_int_equal(framing, 3 * 6); /* three paths, six framing faults each */
    assert_null(find(r, n, 0, KEEL_AUDIT_BAD_UNKNOWN_MEMBER));
    q = find(r, n, 0, KEEL_AUDIT_BAD_MEMBER_TYPES);
    assert_non_null(q);
    assert_int_equal(q->len, strlen("{\"password\":[]}"));
    assert_memory_equal(q->data, "{\"password\":[]}", q->len);
    /* One byte past each declared bound, valid JSON otherwise. */
    q = find(r, n, 0, KEEL_AUDIT_BAD_OVERSIZED);
    assert_int_equal(q->len, 1025);
    assert_false(q->may_close);
    assert_int_equal(q->data[0], '{');
    assert_int_equal(q->data[1024], '}');
    q = find(r, n, 2, KEEL_AUDIT_BAD_OVERSIZED);
    assert_int_equal(q->len, 65);
    q = find(r, n, 2, KEEL_AUDIT_BAD_NESTING);
    assert_int_equal(q->len, 64);
    q = find(r, n, 2, KEEL_AUDIT_BAD_UNKNOWN_MEMBER);
    assert_memory_equal(q->data, "{\"action\":\"keel-audit\",\"keel_audit_unknown\":true}", q->len);
    q = find(r, n, 2, KEEL_AUDIT_BAD_NUL);
    assert_int_equal(q->len, 23);
    assert_memory_equal(q->data, "{\"action\":\"keel\0audit\"}", 23);
    q = find(r, n, 2, KEEL_AUDIT_BAD_EMPTY);
    assert_non_null(q);
    assert_int_equal(q->len, 0);
    assert_true(q->has_body);
    /* A route that takes no body: only being sent one (and no "empty body" fault). */
    assert_non_null(find(r, n, 3, KEEL_AUDIT_BAD_OVERSIZED));
    assert_null(find(r, n, 3, KEEL_AUDIT_BAD_EMPTY));
    assert_null(find(r, n, 3, KEEL_AUDIT_BAD_JSON));
    /* GET /api/v1/lock carries the path's faults; its POST twin none of them again. */
    q = find(r, n, 1, KEEL_AUDIT_BAD_METHOD);
    assert_non_null(q);
    assert_string_equal(q->method, "PUT");
    assert_null(find(r, n, 2, KEEL_AUDIT_BAD_METHOD));
    assert_null(find(r, n, 1, KEEL_AUDIT_BAD_OVERSIZED)); /* no body on a GET */
    q = find(r, n, 0, KEEL_AUDIT_BAD_METHOD);
    assert_string_equal(q->method, "GET");
    assert_false(q->has_body);
    /* The framing faults are raw GETs without a session. */
    q = find(r, n, 1, KEEL_AUDIT_BAD_PATH_NUL);
    assert_true(q->framing && q->may_close);
    assert_memory_equal(q->data, "GET /api/v1/lock\0keel HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n", 54);
    assert_false(holds(q, "Authorization"));
    q = find(r, n, 1, KEEL_AUDIT_BAD_HEADER_HUGE);
    assert_true(q->len > KEEL_AUDIT_BAD_HEADER_LEN);
    q = find(r, n, 1, KEEL_AUDIT_BAD_HEADER_LINE);
    assert_true(holds(q, "\r\nkeel audit header line without a colon\r\n"));
    keel_audit_bad_plan_free(r, n);
    keel_audit_ixit_free(&x);
}

static void test_shape(void **state)
{
    char s[96];

    (void)state;
    keel_audit_error_shape("application/json", "{\"error\":\"bad request\"}", 23, s, sizeof(s));
    assert_string_equal(s, "application/json {error}");
    keel_audit_error_shape("Application/JSON; charset=utf-8", "{\"error\":\"x\",\"reason\":\"y\"}",
                           26, s, sizeof(s));
    assert_string_equal(s, "application/json {error,reason}");
    keel_audit_error_shape("text/html", "<html>403</html>", 16, s, sizeof(s));
    assert_string_equal(s, "text/html text");
    keel_audit_error_shape("", NULL, 0, s, sizeof(s));
    assert_string_equal(s, "none empty");
    keel_audit_error_shape("application/json", "[1]", 3, s, sizeof(s));
    assert_string_equal(s, "application/json json");
}

static keel_audit_bad_probe probe(const char *method, const char *path, keel_audit_bad_kind k,
                                  long status, const char *shape)
{
    keel_audit_bad_probe p;

    memset(&p, 0, sizeof(p));
    (void)keel_str_copy(p.method, sizeof(p.method), method);
    p.path = path;
    p.kind = k;
    p.status = status;
    (void)keel_str_copy(p.shape, sizeof(p.shape), shape);
    return p;
}

static void test_judge(void **state)
{
    const char *j = "application/json {error}";
    keel_audit_bad_probe p[4];
    keel_audit_campaign c = {.planned = 4, .status_after = 200, .status_path = "/api/v1/status"};
    keel_audit_evidence ev;

    (void)state;
    p[0] = probe("POST", "/api/v1/lock", KEEL_AUDIT_BAD_JSON, 400, j);
    p[1] = probe("POST", "/api/v1/lock", KEEL_AUDIT_BAD_OVERSIZED, 413, j);
    p[2] = probe("GET", "/api/v1/lock", KEEL_AUDIT_BAD_LONG_PATH, 0, "");
    p[2].framing = p[2].may_close = 1;
    p[3] = probe("GET", "/api/v1/device", KEEL_AUDIT_BAD_HEADER_LINE, 200, "");
    p[3].framing = p[3].may_close = 1;
    p[3].baseline = 200;
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_malformed_judge(p, 4, &c, &ev), KEEL_AUDIT_PASS);
    EXPECT_LINE(&ev, "4 of 4 planned malformed requests sent: 2 refused (4xx), 1 refused by "
                     "closing the connection, 1 ignored (answered as without the fault), 0 taken "
                     "(2xx/3xx), 0 server errors (5xx), 0 unanswered");
    EXPECT_LINE(&ev, "error answers shaped application/json {error}: 2 (e.g. POST /api/v1/lock, "
                     "invalid JSON)");
    EXPECT_LINE(&ev, "GET /api/v1/status afterwards: HTTP 200: the device still answers");
    keel_audit_evidence_free(&ev);
    /* Taken, failed inside, unanswered, another shape, and the device gone afterwards. */
    p[0].status = 500;
    p[1].status = 200;
    p[2].may_close = 0;
    p[3].baseline = 404;
    assert_int_equal(keel_audit_malformed_judge(p, 4, &c, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "POST /api/v1/lock (invalid JSON): HTTP 500: it failed inside");
    EXPECT_LINE(&ev, "POST /api/v1/lock (oversized body): HTTP 200: the malformed request was "
                     "taken");
    EXPECT_LINE(&ev, "GET /api/v1/lock (very long path): no answer");
    EXPECT_LINE(&ev, "GET /api/v1/device (header without colon): HTTP 200: the malformed request "
                     "was taken (not as without the fault)");
    keel_audit_evidence_free(&ev);
    p[0] = probe("POST", "/a", KEEL_AUDIT_BAD_JSON, 400, j);
    p[1] = probe("GET", "/b", KEEL_AUDIT_BAD_METHOD, 403, "text/html text");
    assert_int_equal(keel_audit_malformed_judge(p, 2, &c, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "the error answers are of 2 shapes, not one uniform error");
    keel_audit_evidence_free(&ev);
    c.status_after = 0;
    assert_int_equal(keel_audit_malformed_judge(p, 1, &c, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "GET /api/v1/status afterwards: no answer: the device did not come through "
                     "the campaign");
    keel_audit_evidence_free(&ev);
    /* Cut short, or bodies behind a session not reached: undecided. */
    c.status_after = 401;
    c.cut_short = 1;
    assert_int_equal(keel_audit_malformed_judge(p, 1, &c, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
    c.cut_short = 0;
    c.unreached = 2;
    assert_int_equal(keel_audit_malformed_judge(p, 1, &c, &ev), KEEL_AUDIT_INCONCLUSIVE);
    EXPECT_LINE(&ev, "2 route(s) taking a body need a session: their bodies were not reached "
                     "(give --password)");
    keel_audit_evidence_free(&ev);
    c.unreached = 0;
    assert_int_equal(keel_audit_malformed_judge(p, 0, &c, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

static void test_declared(void **state)
{
    static const char partial[] =
        "{\"interfaces\":[],\"routes\":[{\"method\":\"POST\",\"path\":\"/a\",\"public\":true,"
        "\"security_relevant\":false,\"max_body\":10},{\"method\":\"GET\",\"path\":\"/b\","
        "\"public\":true,\"security_relevant\":false}]}";
    static const char none[] =
        "{\"interfaces\":[],\"routes\":[{\"method\":\"GET\",\"path\":\"/b\",\"public\":true,"
        "\"security_relevant\":false}]}";
    keel_audit_evidence ev;
    keel_audit_ixit x;

    (void)state;
    keel_audit_evidence_init(&ev);
    load(&x);
    assert_int_equal(keel_audit_declared_input_judge(&x, &ev), KEEL_AUDIT_PASS);
    keel_audit_ixit_free(&x);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_ixit_parse(partial, strlen(partial), &x, NULL, 0), KEEL_OK);
    assert_int_equal(keel_audit_declared_input_judge(&x, &ev), KEEL_AUDIT_FAIL);
    EXPECT_LINE(&ev, "POST /a: takes up to 10 bytes, no declared body shape");
    EXPECT_LINE(&ev, "GET /b: no declared max_body");
    keel_audit_ixit_free(&x);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_ixit_parse(none, strlen(none), &x, NULL, 0), KEEL_OK);
    assert_int_equal(keel_audit_declared_input_judge(&x, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_ixit_free(&x);
    keel_audit_evidence_free(&ev);
    assert_int_equal(keel_audit_declared_input_judge(NULL, &ev), KEEL_AUDIT_INCONCLUSIVE);
    keel_audit_evidence_free(&ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ixit),  cmocka_unit_test(test_plan),     cmocka_unit_test(test_shape),
        cmocka_unit_test(test_judge), cmocka_unit_test(test_declared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
