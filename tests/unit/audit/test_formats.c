/* The Markdown, SARIF 2.1.0 and JUnit XML writers on a report with every verdict and evidence
 * a hostile device could send: table rows keep their cells and evidence reads back exactly
 * from its code span, nothing outside a code span is markup; SARIF parses back with a result
 * per FAIL and INCONCLUSIVE test case at the right level; JUnit counts match, evidence reads
 * back, and nothing the device said adds an element or a character XML 1.0 cannot carry. */
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

#define TARGET "[::1]:8443"

/* What a hostile device may say. Raw control characters and invalid UTF-8 are turned into
 * "\xNN" by the evidence layer; U+FFFE (EF BF BE) is valid UTF-8 and stays. */
static const char *const hostile[] = {
    "cells | split || here |",
    "<script>alert(1)</script> <img src=x onerror=y> <!-- c --> ]]> <![CDATA[x]]>",
    "[click](https://evil.example/x) https://evil.example",
    "www.evil.example @admin a@b.example :smile: $x$",
    "``` fenced ``` and `one` and ``two``",
    "&amp; & &#60; &lt; \"q\" 'a'",
    "line one\nline two\r\n\ttab",
    "`",
    " padded both ",
    "bad \xff\xfe utf-8, nonchar \xef\xbf\xbe, lock \xf0\x9f\x94\x92",
    "*emph* _u_ ~~s~~ # h \\| back\\slash",
};
#define HOSTILE_COUNT (sizeof(hostile) / sizeof(hostile[0]))

static void record(keel_audit_report *r, const char *id, keel_audit_kind kind, keel_audit_verdict v,
                   const char *const *lines, size_t n, int harmless)
{
    keel_audit_evidence ev;

    keel_audit_evidence_init(&ev);
    for (size_t i = 0; i < n; i++) {
        const char *line = harmless ? "x" : lines[i];
        assert_int_equal(keel_audit_evidence_add(&ev, line, strlen(line)), KEEL_OK);
    }
    assert_int_equal(keel_audit_record(r, id, kind, v, n > 0 ? &ev : NULL), KEEL_OK);
}

/* V3.1.3 with every verdict: FAIL on mandatory (with and without evidence) and recommended
 * provisions, INCONCLUSIVE, N/A, PASS, and NOT TESTED for the other 72 provisions. harmless:
 * every evidence line is "x" (same structure, nothing hostile). */
static keel_audit_report *sample(int harmless)
{
    static const char *const units[] = {"units: a) documented"};
    static const char *const pie[] = {"usr/bin/x: no PIE"};
    static const char *const tls[] = {"TLS: no answer | retry"};
    static const char *const na[] = {"service: null"};
    static const char *const ports[] = {"open TCP ports: 8443"};
    keel_audit_report *r = NULL;
    const keel_audit_kind C = KEEL_AUDIT_CONCEPTUAL, F = KEEL_AUDIT_FUNCTIONAL;

    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, TARGET, &r), KEEL_OK);
    r->generated = 1700000000; /* 2023-11-14T22:13:20Z */
    record(r, "5.1-1-1", C, KEEL_AUDIT_PASS, units, 1, harmless);
    record(r, "5.1-1-2", F, KEEL_AUDIT_FAIL, hostile, HOSTILE_COUNT, harmless);
    record(r, "5.3-13-2", F, KEEL_AUDIT_FAIL, NULL, 0, harmless);
    record(r, "5.5-1-2", F, KEEL_AUDIT_INCONCLUSIVE, tls, 1, harmless);
    record(r, "5.6-1-2", F, KEEL_AUDIT_PASS, ports, 1, harmless);
    record(r, "5.6-8-2", F, KEEL_AUDIT_FAIL, pie, 1, harmless);
    record(r, "5.11-2-1", C, KEEL_AUDIT_NA, na, 1, harmless);
    return r;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* ---- Markdown ------------------------------------------------------------------------- */

/* The '|' of a GFM table line that delimit cells: those not right after a backslash (GFM and
 * markdown-it take "\|" as a literal pipe, even inside a code span). */
static size_t delimiters(const char *line, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    return n;
}

/* Every table (a run of lines starting with '|') has a delimiter row second and as many cells
 * in each row as in its header. Returns the number of tables. */
static size_t check_tables(const char *md)
{
    size_t tables = 0, want = 0, row = 0;

    for (const char *line = md; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

        if (len > 0 && line[0] == '|') {
            if (row == 0) {
                want = delimiters(line, len);
                tables++;
                assert_true(want >= 3);
            } else if (row == 1) {
                assert_true(strncmp(line, "| :--", 5) == 0 || strncmp(line, "| --:", 5) == 0);
            }
            assert_int_equal(delimiters(line, len), want);
            assert_true(line[len - 1] == '|');
            row++;
        } else {
            row = 0;
        }
        line += len + (nl != NULL);
    }
    return tables;
}

/* Outside code spans every character that could open markup is backslash-escaped; a code span
 * is a backtick run closed by a run of the same length (CommonMark 6.1). */
static void check_no_raw_markup(const char *md)
{
    size_t n = strlen(md), i = 0;

    while (i < n) {
        if (md[i] == '\\') {
            i += 2;
        } else if (md[i] == '`') {
            size_t run = strspn(md + i, "`"), j = i + run;
            int closed = 0;

            while (!closed && j < n) {
                size_t r = strspn(md + j, "`");
                if (r == run)
                    closed = 1;
                j += r > 0 ? r : 1;
            }
            assert_true(closed);
            i = j;
        } else {
            assert_null(strchr("<>[]&@*_~$", md[i]));
            i++;
        }
    }
}

/* The text a GFM renderer shows for the code span cell (trimmed cell text): fence stripped,
 * one space stripped from each side when both are spaces (and not all are), "\|" -> "|". */
static char *code_span_text(const char *cell, size_t len)
{
    size_t run = strspn(cell, "`"), at = 0;
    const char *body = cell + run;
    size_t blen;
    char *out;

    if (len == 0)
        return strdup("");
    assert_true(run > 0 && len >= 2 * run);
    for (size_t k = len - run; k < len; k++)
        assert_int_equal(cell[k], '`');
    blen = len - 2 * run;
    if (blen >= 2 && body[0] == ' ' && body[blen - 1] == ' ' && strspn(body, " ") < blen) {
        body++;
        blen -= 2;
    }
    out = malloc(blen + 1);
    assert_non_null(out);
    for (size_t k = 0; k < blen; k++) {
        if (body[k] == '\\' && k + 1 < blen && body[k + 1] == '|')
            continue;
        out[at++] = body[k];
    }
    out[at] = '\0';
    return out;
}

/* The last cell of a table row, trimmed. */
static void last_cell(const char *line, size_t len, const char **cell, size_t *cell_len)
{
    size_t end = len - 1, start = end; /* line[end] is the closing '|' */

    while (start > 0 && !(line[start - 1] == '|' && (start < 2 || line[start - 2] != '\\')))
        start--;
    while (start < end && line[start] == ' ')
        start++;
    while (end > start && line[end - 1] == ' ')
        end--;
    *cell = line + start;
    *cell_len = end - start;
}

/* The evidence table rows of test case id read back exactly as recorded. */
static void check_evidence_reads_back(const char *md, const keel_audit_test *t)
{
    char head[64];
    const char *line;

    snprintf(head, sizeof(head), "\n| %s | ", t->id);
    line = strstr(md, head);
    assert_non_null(line);
    line++;
    for (size_t i = 0; i < t->evidence_count; i++) {
        const char *nl = strchr(line, '\n'), *cell;
        size_t cell_len;
        char *text;

        assert_non_null(nl);
        if (i > 0)
            assert_true(strncmp(line, "|  |  |  | ", 11) == 0);
        last_cell(line, (size_t)(nl - line), &cell, &cell_len);
        text = code_span_text(cell, cell_len);
        assert_string_equal(text, t->evidence[i]);
        free(text);
        line = nl + 1;
    }
}

static void test_markdown(void **state)
{
    keel_audit_report *r = sample(0);
    const keel_audit_entry *e = keel_audit_report_find(r, "5.1-1");
    char *md = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(keel_audit_render_markdown(r, &md, &len), KEEL_OK);
    assert_int_equal(strlen(md), len);
    /* Summary (2 tables), a provision table per section (15), an evidence table per tested
     * provision (6). */
    assert_int_equal(check_tables(md), 2 + 15 + 6);
    check_no_raw_markup(md);
    for (size_t j = 0; j < e->test_count; j++)
        check_evidence_reads_back(md, &e->tests[j]);
    check_evidence_reads_back(md, &keel_audit_report_find(r, "5.5-1")->tests[0]);
    /* 78 provision rows, each with its verdict. */
    assert_int_equal(count_of(md, " | NOT TESTED | 0 |\n"), 72);
    assert_non_null(strstr(md, "\n| 5.1-1 | M F (a) | "));
    assert_non_null(strstr(md, " | FAIL | 2 |\n"));
    assert_non_null(strstr(md, "\n| 5.11-2 | R F (x) | "));
    assert_non_null(strstr(md, " | N/A | 1 |\n"));
    assert_non_null(strstr(md, "\n| 5.3-13-2 | functional | FAIL |  |\n")); /* no evidence */
    assert_non_null(strstr(md, "\n| Mandatory | 1 | 2 | 0 | 1 | 32 | 36 |\n"));
    assert_non_null(strstr(md, "\n| All | 1 | 3 | 1 | 1 | 72 | 78 |\n"));
    assert_non_null(strstr(md, "- Target: `[::1]:8443`\n"));
    assert_non_null(strstr(md, "- Generated: 2023-11-14T22:13:20Z\n"));
    /* A run of three backticks is fenced by four. */
    assert_non_null(strstr(md, "| ```` ``` fenced ``` and `one` and ``two`` ```` |\n"));
    free(md);
    keel_audit_report_free(r);
}

/* ---- SARIF ---------------------------------------------------------------------------- */

static const char *str_at(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static const cJSON *item_at(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_non_null(item);
    return item;
}

/* The evidence lines of t joined by '\n'. */
static char *joined(const keel_audit_test *t)
{
    size_t len = 1;
    char *out;

    for (size_t i = 0; i < t->evidence_count; i++)
        len += strlen(t->evidence[i]) + 1;
    out = calloc(1, len);
    assert_non_null(out);
    for (size_t i = 0; i < t->evidence_count; i++) {
        if (i > 0)
            strncat(out, "\n", len - strlen(out) - 1);
        strncat(out, t->evidence[i], len - strlen(out) - 1);
    }
    return out;
}

static void check_rule(const cJSON *rule, const keel_audit_report *r, const char *id)
{
    char prov[KEEL_AUDIT_TEST_ID_MAX];
    const keel_audit_entry *e;
    const cJSON *props = item_at(rule, "properties");

    snprintf(prov, sizeof(prov), "%.*s", (int)(strrchr(id, '-') - id), id);
    e = keel_audit_report_find(r, prov);
    assert_non_null(e);
    assert_string_equal(str_at(rule, "id"), id);
    assert_string_equal(str_at(item_at(rule, "shortDescription"), "text"),
                        e->provision->requirement);
    assert_string_equal(str_at(props, "provision"), prov);
    assert_string_equal(str_at(props, "kind"),
                        id[strlen(id) - 1] == '1' ? "conceptual" : "functional");
    assert_int_equal(cJSON_IsTrue(item_at(props, "mandatory")), e->provision->mandatory != 0);
    assert_string_equal(str_at(item_at(rule, "defaultConfiguration"), "level"),
                        e->provision->mandatory ? "error" : "warning");
}

static void check_result(const cJSON *result, const cJSON *rules, const keel_audit_report *r,
                         const char *id, const char *level)
{
    const cJSON *index = item_at(result, "ruleIndex");
    const cJSON *where = cJSON_GetArrayItem(
        item_at(cJSON_GetArrayItem(item_at(result, "locations"), 0), "logicalLocations"), 0);
    char prov[KEEL_AUDIT_TEST_ID_MAX];
    const keel_audit_entry *e;
    const keel_audit_test *t = NULL;
    char *text;

    snprintf(prov, sizeof(prov), "%.*s", (int)(strrchr(id, '-') - id), id);
    e = keel_audit_report_find(r, prov);
    for (size_t j = 0; j < e->test_count; j++)
        if (strcmp(e->tests[j].id, id) == 0)
            t = &e->tests[j];
    assert_non_null(t);
    assert_string_equal(str_at(result, "ruleId"), id);
    assert_true(cJSON_IsNumber(index));
    assert_string_equal(str_at(cJSON_GetArrayItem(rules, index->valueint), "id"), id);
    assert_string_equal(str_at(result, "level"), level);
    text = t->evidence_count > 0 ? joined(t) : strdup("(no evidence recorded)");
    assert_string_equal(str_at(item_at(result, "message"), "text"), text);
    free(text);
    assert_string_equal(str_at(where, "name"), TARGET);
    assert_string_equal(str_at(item_at(result, "properties"), "verdict"),
                        keel_audit_verdict_name(t->verdict));
}

static void test_sarif(void **state)
{
    static const char *const rule_ids[] = {"5.1-1-1", "5.1-1-2", "5.3-13-2", "5.5-1-2",
                                           "5.6-1-2", "5.6-8-2", "5.11-2-1"};
    keel_audit_report *r = sample(0);
    const cJSON *run, *driver, *rules, *results;
    char *text = NULL;
    size_t len = 0;
    cJSON *root;

    (void)state;
    assert_int_equal(keel_audit_render_sarif(r, &text, &len), KEEL_OK);
    assert_int_equal(strlen(text), len);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(str_at(root, "version"), "2.1.0");
    assert_non_null(strstr(str_at(root, "$schema"), "/sarif-schema-2.1.0.json"));
    assert_int_equal(cJSON_GetArraySize(item_at(root, "runs")), 1);
    run = cJSON_GetArrayItem(item_at(root, "runs"), 0);
    driver = item_at(item_at(run, "tool"), "driver");
    assert_string_equal(str_at(driver, "name"), "keel audit");
    rules = item_at(driver, "rules");
    assert_int_equal(cJSON_GetArraySize(rules), 7);
    for (int i = 0; i < 7; i++)
        check_rule(cJSON_GetArrayItem(rules, i), r, rule_ids[i]);
    /* FAIL (3) + INCONCLUSIVE (1); PASS and N/A make no result. */
    results = item_at(run, "results");
    assert_int_equal(cJSON_GetArraySize(results), 4);
    check_result(cJSON_GetArrayItem(results, 0), rules, r, "5.1-1-2", "error");
    check_result(cJSON_GetArrayItem(results, 1), rules, r, "5.3-13-2", "error");
    check_result(cJSON_GetArrayItem(results, 2), rules, r, "5.5-1-2", "note");
    check_result(cJSON_GetArrayItem(results, 3), rules, r, "5.6-8-2", "warning");
    assert_string_equal(str_at(item_at(run, "properties"), "target"), TARGET);
    assert_string_equal(str_at(cJSON_GetArrayItem(item_at(run, "invocations"), 0), "endTimeUtc"),
                        "2023-11-14T22:13:20Z");
    cJSON_Delete(root);
    free(text);
    keel_audit_report_free(r);
}

/* ---- JUnit XML ------------------------------------------------------------------------ */

/* Every character is one XML 1.0 allows (Char production): valid UTF-8, no control character
 * but line feed, no U+FFFE or U+FFFF. */
static void check_xml_chars(const char *xml, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t seq = keel_utf8_next(xml + i, len - i, &cp);

        assert_true(seq > 0);
        assert_true(cp == '\n' || cp >= 0x20);
        assert_true(cp != 0xfffe && cp != 0xffff);
        i += seq;
    }
}

/* The text of the first element <name ...>TEXT</name> after from, entities decoded. */
static char *element_text(const char *from, const char *name)
{
    char open[32], close[32];
    const char *start, *end;
    char *out;
    size_t at = 0;

    snprintf(open, sizeof(open), "<%s ", name);
    snprintf(close, sizeof(close), "</%s>", name);
    start = strstr(from, open);
    assert_non_null(start);
    start = strchr(start, '>');
    assert_non_null(start);
    start++;
    end = strstr(start, close);
    assert_non_null(end);
    out = malloc((size_t)(end - start) + 1);
    assert_non_null(out);
    for (const char *p = start; p < end; p++) {
        static const struct {
            const char *entity;
            char c;
        } entities[] = {
            {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
        size_t k = 0;

        assert_int_not_equal(*p, '<');
        while (*p == '&' && k < 5 && strncmp(p, entities[k].entity, strlen(entities[k].entity)))
            k++;
        if (*p == '&') {
            assert_true(k < 5);
            out[at++] = entities[k].c;
            p += strlen(entities[k].entity) - 1;
        } else {
            out[at++] = *p;
        }
    }
    out[at] = '\0';
    return out;
}

/* What XML carries of evidence: U+FFFE written as "\ufffe". */
static char *expected_xml_evidence(const keel_audit_test *t)
{
    char *text = joined(t), *p;

    while ((p = strstr(text, "\xef\xbf\xbe")) != NULL) {
        size_t at = (size_t)(p - text), n = strlen(text);
        char *grown = malloc(n + 4);
        assert_non_null(grown);
        memcpy(grown, text, at);
        memcpy(grown + at, "\\ufffe", 6);
        memcpy(grown + at + 6, p + 3, n - at - 3 + 1);
        free(text);
        text = grown;
    }
    return text;
}

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "

static void test_junit(void **state)
{
    keel_audit_report *r = sample(0), *calm = sample(1);
    const keel_audit_test *t = &keel_audit_report_find(r, "5.1-1")->tests[1];
    char *xml = NULL, *calm_xml = NULL, *got, *want;
    size_t len = 0, calm_len = 0;
    const char *tc;

    (void)state;
    assert_int_equal(keel_audit_render_junit(r, &xml, &len), KEEL_OK);
    assert_int_equal(keel_audit_render_junit(calm, &calm_xml, &calm_len), KEEL_OK);
    assert_int_equal(strlen(xml), len);
    assert_true(strncmp(xml, XML_HEAD, strlen(XML_HEAD)) == 0);
    check_xml_chars(xml, len);
    /* Nothing the device said opened or closed an element. */
    assert_int_equal(count_of(xml, "<"), count_of(calm_xml, "<"));
    assert_null(strstr(xml, "<script"));
    assert_null(strstr(xml, "]]>"));
    assert_null(strstr(xml, "<!--"));
    /* 7 test cases + 72 provisions not tested; 3 FAIL; 1 INCONCLUSIVE, 1 N/A, 72 not tested. */
    assert_non_null(strstr(xml, " tests=\"79\" failures=\"3\" errors=\"0\" skipped=\"74\""));
    assert_int_equal(count_of(xml, "<testsuite "), 15);
    assert_int_equal(count_of(xml, "<testcase "), 79);
    assert_int_equal(count_of(xml, "<failure "), 3);
    assert_int_equal(count_of(xml, "<skipped "), 74);
    assert_int_equal(count_of(xml, "name=\"not tested\"><skipped "), 72);
    assert_non_null(strstr(xml, "<testsuite name=\"5.5 Communicate securely\" tests=\"8\" "
                                "failures=\"0\" errors=\"0\" skipped=\"8\""));
    assert_non_null(strstr(xml, "<testcase classname=\"5.6-1\" name=\"5.6-1-2\"><system-out>"
                                "open TCP ports: 8443</system-out></testcase>"));
    assert_non_null(strstr(xml, "<testcase classname=\"5.5-1\" name=\"5.5-1-2\"><skipped "
                                "message=\"INCONCLUSIVE: "));
    assert_non_null(strstr(xml, "<testcase classname=\"5.11-2\" name=\"5.11-2-1\"><skipped "
                                "message=\"N/A: "));
    /* The failure's text is the evidence, exactly, but for U+FFFE. */
    tc = strstr(xml, "<testcase classname=\"5.1-1\" name=\"5.1-1-2\">");
    assert_non_null(tc);
    got = element_text(tc, "failure");
    want = expected_xml_evidence(t);
    assert_string_equal(got, want);
    assert_non_null(strstr(got, "\\ufffe"));
    free(got);
    free(want);
    free(xml);
    free(calm_xml);
    keel_audit_report_free(r);
    keel_audit_report_free(calm);
}

/* ---- Every writer --------------------------------------------------------------------- */

/* A V2.1.1 report without a test case: every provision stays visible, nothing passes. */
static void test_untested_report(void **state)
{
    keel_audit_report *r = NULL;
    char *text = NULL;
    size_t len = 0;
    cJSON *root;

    (void)state;
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V2_1_1, "10.0.0.1:443", &r), KEEL_OK);
    assert_int_equal(keel_audit_render_markdown(r, &text, &len), KEEL_OK);
    assert_non_null(strstr(text, "\nNo test case was run.\n"));
    assert_int_equal(count_of(text, " | NOT TESTED | 0 |\n"), 68);
    assert_int_equal(check_tables(text), 2 + 15);
    free(text);
    assert_int_equal(keel_audit_render_sarif(r, &text, &len), KEEL_OK);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_int_equal(
        cJSON_GetArraySize(item_at(cJSON_GetArrayItem(item_at(root, "runs"), 0), "results")), 0);
    cJSON_Delete(root);
    free(text);
    assert_int_equal(keel_audit_render_junit(r, &text, &len), KEEL_OK);
    assert_non_null(strstr(text, " tests=\"68\" failures=\"0\" errors=\"0\" skipped=\"68\""));
    assert_non_null(strstr(text, "<testsuite name=\"4 Reporting implementation\""));
    free(text);
    keel_audit_report_free(r);
}

typedef keel_err (*render_fn)(const keel_audit_report *, char **, size_t *);
typedef keel_err (*write_fn)(const keel_audit_report *, const char *);

static void test_write_files(void **state)
{
    static const struct {
        render_fn render;
        write_fn write;
    } formats[] = {{keel_audit_render_markdown, keel_audit_write_markdown},
                   {keel_audit_render_sarif, keel_audit_write_sarif},
                   {keel_audit_render_junit, keel_audit_write_junit}};
    keel_audit_report *r = sample(0);
    char dir[] = "/tmp/keel-audit-formats.XXXXXX", path[128];

    (void)state;
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        char *want = NULL, *data = NULL;
        size_t want_len = 0, len = 0;

        assert_int_equal(formats[i].render(r, &want, &want_len), KEEL_OK);
        assert_int_equal(keel_str_format(path, sizeof(path), "%s/report", dir), KEEL_OK);
        assert_int_equal(formats[i].write(r, path), KEEL_OK);
        assert_int_equal(keel_file_read(path, 1 << 20, &data, &len), KEEL_OK);
        assert_int_equal(len, want_len);
        assert_memory_equal(data, want, len);
        keel_file_free(data, len);
        free(want);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(keel_str_format(path, sizeof(path), "%s/missing/report", dir), KEEL_OK);
        assert_int_not_equal(formats[i].write(r, path), KEEL_OK);
        assert_int_equal(formats[i].write(NULL, path), KEEL_ERR_ARG);
        assert_int_equal(formats[i].write(r, NULL), KEEL_ERR_ARG);
        assert_int_equal(formats[i].render(NULL, &want, &want_len), KEEL_ERR_ARG);
        assert_int_equal(formats[i].render(r, NULL, &want_len), KEEL_ERR_ARG);
        assert_int_equal(formats[i].render(r, &want, NULL), KEEL_ERR_ARG);
    }
    assert_int_equal(rmdir(dir), 0);
    keel_audit_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markdown),    cmocka_unit_test(test_sarif),
        cmocka_unit_test(test_junit),       cmocka_unit_test(test_untested_report),
        cmocka_unit_test(test_write_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
