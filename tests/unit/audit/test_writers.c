/* The writers: JSON in its exact shape (parsed back with cJSON), HTML that escapes
 * everything a hostile device says, the terminal summary, atomic files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "audit.h"

#define HOSTILE "<script>alert(\"x\")</script> & 'q' <img src=x onerror=y>"

/* A V3 report with a FAIL on 5.5-1 carrying hostile evidence and a PASS on 5.6-1. */
static keel_audit_report *sample(void)
{
    keel_audit_report *r = NULL;
    keel_audit_evidence ev;

    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "[::1]:8443", &r), KEEL_OK);
    r->generated = 1700000000; /* 2023-11-14T22:13:20Z */
    keel_audit_evidence_init(&ev);
    assert_int_equal(keel_audit_evidence_addf(&ev, "TLS 1.0: accepted (cipher AES128-SHA)"),
                     KEEL_OK);
    assert_int_equal(keel_audit_evidence_add(&ev, HOSTILE, strlen(HOSTILE)), KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.5-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_FAIL, &ev),
                     KEEL_OK);
    assert_int_equal(keel_audit_record(r, "5.6-1-2", KEEL_AUDIT_FUNCTIONAL, KEEL_AUDIT_PASS, NULL),
                     KEEL_OK);
    return r;
}

static const char *str_of(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static double num_of(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

/* Exactly these member names, in this order. */
static void expect_members(const cJSON *obj, const char *const *names, size_t n)
{
    const cJSON *item = obj->child;

    assert_true(cJSON_IsObject(obj));
    for (size_t i = 0; i < n; i++, item = item->next) {
        assert_non_null(item);
        assert_string_equal(item->string, names[i]);
    }
    assert_null(item);
}

#define MEMBERS(obj, ...)                                                                          \
    expect_members(obj, (const char *const[]){__VA_ARGS__},                                        \
                   sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void check_counts(const cJSON *c, double pass, double fail, double nt, double total)
{
    MEMBERS(c, "PASS", "FAIL", "N/A", "INCONCLUSIVE", "NOT TESTED", "total");
    assert_true(num_of(c, "PASS") == pass);
    assert_true(num_of(c, "FAIL") == fail);
    assert_true(num_of(c, "N/A") == 0);
    assert_true(num_of(c, "INCONCLUSIVE") == 0);
    assert_true(num_of(c, "NOT TESTED") == nt);
    assert_true(num_of(c, "total") == total);
}

static void check_provision(const cJSON *p, const keel_provision *want)
{
    MEMBERS(p, "id", "section", "status", "mandatory", "requirement", "verdict", "tests");
    assert_string_equal(str_of(p, "id"), want->id);
    assert_string_equal(str_of(p, "section"), want->section);
    assert_string_equal(str_of(p, "status"), want->status);
    assert_string_equal(str_of(p, "requirement"), want->requirement);
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(p, "mandatory")));
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "mandatory")),
                     want->mandatory != 0);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p, "tests")));
}

static void check_failed_test(const cJSON *p)
{
    const cJSON *tests = cJSON_GetObjectItemCaseSensitive(p, "tests");
    const cJSON *t = cJSON_GetArrayItem(tests, 0), *ev;

    assert_string_equal(str_of(p, "verdict"), "FAIL");
    assert_int_equal(cJSON_GetArraySize(tests), 1);
    MEMBERS(t, "id", "kind", "verdict", "evidence");
    assert_string_equal(str_of(t, "id"), "5.5-1-2");
    assert_string_equal(str_of(t, "kind"), "functional");
    assert_string_equal(str_of(t, "verdict"), "FAIL");
    ev = cJSON_GetObjectItemCaseSensitive(t, "evidence");
    assert_int_equal(cJSON_GetArraySize(ev), 2);
    assert_string_equal(cJSON_GetArrayItem(ev, 0)->valuestring,
                        "TLS 1.0: accepted (cipher AES128-SHA)");
    assert_string_equal(cJSON_GetArrayItem(ev, 1)->valuestring, HOSTILE);
}

static void test_json_shape(void **state)
{
    keel_audit_report *r = sample();
    char *text = NULL;
    size_t len = 0, i = 0;
    cJSON *root, *p;

    (void)state;
    assert_int_equal(keel_audit_render_json(r, &text, &len), KEEL_OK);
    assert_int_equal(strlen(text), len);
    root = cJSON_Parse(text);
    assert_non_null(root);
    MEMBERS(root, "standard", "version", "target", "generated", "tool", "summary", "provisions");
    assert_string_equal(str_of(root, "standard"), "ETSI EN 303 645");
    assert_string_equal(str_of(root, "version"), "3.1.3");
    assert_string_equal(str_of(root, "target"), "[::1]:8443");
    assert_string_equal(str_of(root, "generated"), "2023-11-14T22:13:20Z");
    MEMBERS(cJSON_GetObjectItemCaseSensitive(root, "tool"), "name", "version");
    MEMBERS(cJSON_GetObjectItemCaseSensitive(root, "summary"), "all", "mandatory");
    check_counts(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "summary"), "all"),
        1, 1, 76, 78);
    check_counts(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "summary"),
                                                  "mandatory"),
                 1, 1, 34, 36);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "provisions")), 78);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(root, "provisions"))
    {
        const keel_provision *want = keel_catalog_at(KEEL_EN303645_V3_1_3, i++);
        check_provision(p, want);
        if (strcmp(want->id, "5.5-1") == 0)
            check_failed_test(p);
        else if (strcmp(want->id, "5.6-1") == 0)
            assert_string_equal(str_of(p, "verdict"), "PASS");
        else
            assert_string_equal(str_of(p, "verdict"), "NOT TESTED");
    }
    cJSON_Delete(root);
    free(text);
    keel_audit_report_free(r);
}

static void test_html_escapes_hostile_evidence(void **state)
{
    keel_audit_report *r = sample();
    char *html = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_audit_render_html(r, &html, &len), KEEL_OK);
    assert_int_equal(strlen(html), len);
    assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                                 "&#39;q&#39; &lt;img src=x onerror=y&gt;"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    /* Self-contained: no external resource, no script. */
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "<style>"));
    /* Header, summary, clause headings, drill-down, badges. */
    assert_non_null(strstr(html, "[::1]:8443"));
    assert_non_null(strstr(html, "2023-11-14T22:13:20Z"));
    assert_non_null(strstr(html, keel_catalog_section_title(KEEL_EN303645_V3_1_3, "5.5")));
    assert_non_null(strstr(html, "<details>"));      /* 5.6-1 PASS: closed */
    assert_non_null(strstr(html, "<details open>")); /* 5.5-1 FAIL: open */
    assert_non_null(strstr(html, "<tr class=\"row-FAIL\">"));
    assert_non_null(strstr(html, "<span class=\"badge FAIL\">FAIL</span>"));
    assert_non_null(strstr(html, "<span class=\"badge NOT-TESTED\">NOT TESTED</span>"));
    assert_non_null(strstr(html, "TLS 1.0: accepted (cipher AES128-SHA)"));
    free(html);
    keel_audit_report_free(r);
}

static void test_text_summary(void **state)
{
    keel_audit_report *r = sample();
    char *text = NULL;
    size_t len = 0, lines = 0;

    (void)state;
    assert_int_equal(keel_audit_render_text(r, &text, &len), KEEL_OK);
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 1 + 15 + 2); /* heading, one per section, totals */
    assert_non_null(strstr(text, "\n5.5    Communicate securely"));
    assert_non_null(strstr(text, "PASS 1  FAIL 1  N/A 0  INCONCLUSIVE 0  NOT TESTED 76  "
                                 "(total 78)\n"));
    assert_non_null(strstr(text, "\nM      mandatory provisions"));
    assert_null(strstr(text, "<script>")); /* no device text on the terminal summary */
    free(text);
    keel_audit_report_free(r);
}

static void test_write_files(void **state)
{
    keel_audit_report *r = sample();
    char dir[] = "/tmp/keel-audit-test.XXXXXX", path[128];
    char *data = NULL;
    size_t len = 0;
    cJSON *root;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/report.json", dir), KEEL_OK);
    assert_int_equal(keel_audit_write_json(r, path), KEEL_OK);
    assert_int_equal(keel_file_read(path, 1 << 20, &data, &len), KEEL_OK);
    root = cJSON_Parse(data);
    assert_non_null(root);
    cJSON_Delete(root);
    keel_file_free(data, len);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/report.html", dir), KEEL_OK);
    assert_int_equal(keel_audit_write_html(r, path), KEEL_OK);
    assert_int_equal(keel_file_read(path, 1 << 20, &data, &len), KEEL_OK);
    assert_non_null(strstr(data, "</html>"));
    keel_file_free(data, len);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(keel_str_format(path, sizeof(path), "%s/missing/report.json", dir), KEEL_OK);
    assert_int_not_equal(keel_audit_write_json(r, path), KEEL_OK);
    assert_int_equal(rmdir(dir), 0);
    keel_audit_report_free(r);
}

static void test_time_format(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(keel_audit_format_time(0, out, sizeof(out)), KEEL_OK);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    assert_int_equal(keel_audit_format_time(0, out, 5), KEEL_ERR_RANGE);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_shape),   cmocka_unit_test(test_html_escapes_hostile_evidence),
        cmocka_unit_test(test_text_summary), cmocka_unit_test(test_write_files),
        cmocka_unit_test(test_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
