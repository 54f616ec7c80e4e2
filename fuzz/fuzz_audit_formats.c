/* Fuzz the Markdown, SARIF and JUnit writers of keel audit with evidence that a hostile device
 * under test controls. The input is split at '\n' into the evidence lines of three test cases
 * (the first byte picks their verdicts); the report is rendered in memory.
 *
 * Properties checked beyond memory safety:
 * - Markdown: every table row has its header's number of cells (pipes not after a backslash),
 *   and outside code spans no character that opens markup is left unescaped;
 * - SARIF: it parses back, with one result per FAIL or INCONCLUSIVE test case whose message is
 *   that test case's evidence, exactly;
 * - JUnit XML: as many '<' as the same report with harmless evidence (nothing the device said
 *   became markup), and only characters XML 1.0 allows. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

/* In catalog order, the order of SARIF's results. */
static const char *const ids[] = {"5.1-1-2", "5.5-1-2", "5.6-8-2"};
#define TESTS (sizeof(ids) / sizeof(ids[0]))

static keel_audit_verdict pick(uint8_t b)
{
    static const keel_audit_verdict v[] = {KEEL_AUDIT_PASS, KEEL_AUDIT_FAIL, KEEL_AUDIT_NA,
                                           KEEL_AUDIT_INCONCLUSIVE};
    return v[b % 4];
}

/* Record the lines of data[0..size) as evidence of test_id; harmless: each line is "x". */
static void record(keel_audit_report *r, const char *test_id, keel_audit_verdict verdict,
                   const uint8_t *data, size_t size, int harmless)
{
    keel_audit_evidence ev;
    size_t start = 0;

    keel_audit_evidence_init(&ev);
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        if (keel_audit_evidence_add(&ev, harmless ? (const uint8_t *)"x" : data + start,
                                    harmless ? 1 : i - start) != KEEL_OK)
            abort();
        start = i + 1;
    }
    if (keel_audit_record(r, test_id, KEEL_AUDIT_FUNCTIONAL, verdict, &ev) != KEEL_OK)
        abort();
}

static keel_audit_report *build(const uint8_t *data, size_t size, int harmless)
{
    keel_audit_report *r = NULL;
    size_t part = (size - 1) / TESTS, at = 1;

    if (keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:443", &r) != KEEL_OK)
        abort();
    r->generated = 0;
    for (size_t i = 0; i < TESTS; i++) {
        size_t n = i + 1 < TESTS ? part : size - at;
        record(r, ids[i], pick((uint8_t)(data[0] >> (2 * i))), data + at, n, harmless);
        at += n;
    }
    return r;
}

static size_t delimiters(const char *line, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    return n;
}

static void check_markdown_tables(const char *md)
{
    size_t want = 0;
    int in_table = 0;

    for (const char *line = md; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

        if (len > 0 && line[0] == '|') {
            if (!in_table)
                want = delimiters(line, len);
            else if (delimiters(line, len) != want)
                abort();
            in_table = 1;
        } else {
            in_table = 0;
        }
        line += len + (nl != NULL);
    }
}

static void check_markdown_markup(const char *md)
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
                closed = r == run;
                j += r > 0 ? r : 1;
            }
            if (!closed || memchr(md + i, '\n', j - i) != NULL)
                abort();
            i = j;
        } else if (strchr("<>[]&@*_~$", md[i]) != NULL) {
            abort();
        } else {
            i++;
        }
    }
}

static void check_markdown(const keel_audit_report *r)
{
    char *md = NULL;
    size_t len = 0;

    if (keel_audit_render_markdown(r, &md, &len) != KEEL_OK || strlen(md) != len)
        abort();
    check_markdown_tables(md);
    check_markdown_markup(md);
    free(md);
}

/* The message of a result is the evidence lines joined by '\n'. */
static int message_is_evidence(const char *message, const keel_audit_test *t)
{
    const char *p = message;

    if (t->evidence_count == 0)
        return strcmp(message, "(no evidence recorded)") == 0;
    for (size_t i = 0; i < t->evidence_count; i++) {
        size_t n = strlen(t->evidence[i]);
        if (strncmp(p, t->evidence[i], n) != 0)
            return 0;
        p += n;
        if (*p != (i + 1 < t->evidence_count ? '\n' : '\0'))
            return 0;
        p += *p != '\0';
    }
    return 1;
}

static void check_sarif(const keel_audit_report *r)
{
    char *text = NULL;
    size_t len = 0, k = 0;
    cJSON *root, *results;

    if (keel_audit_render_sarif(r, &text, &len) != KEEL_OK)
        abort();
    root = cJSON_Parse(text);
    if (root == NULL)
        abort();
    results = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "runs"), 0), "results");
    for (size_t i = 0; i < TESTS; i++) {
        char prov[KEEL_AUDIT_TEST_ID_MAX];
        const keel_audit_entry *e;
        const cJSON *message;

        memcpy(prov, ids[i], strlen(ids[i]) - 2);
        prov[strlen(ids[i]) - 2] = '\0';
        e = keel_audit_report_find(r, prov);
        if (e->tests[0].verdict != KEEL_AUDIT_FAIL &&
            e->tests[0].verdict != KEEL_AUDIT_INCONCLUSIVE)
            continue;
        message = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(results, (int)k++), "message"),
            "text");
        if (!cJSON_IsString(message) || !message_is_evidence(message->valuestring, &e->tests[0]))
            abort();
    }
    if ((size_t)cJSON_GetArraySize(results) != k)
        abort();
    cJSON_Delete(root);
    free(text);
}

static void check_xml_chars(const char *xml, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t seq = keel_utf8_next(xml + i, len - i, &cp);

        if (seq == 0 || (cp < 0x20 && cp != '\n') || cp == 0xfffe || cp == 0xffff)
            abort();
        i += seq;
    }
}

static size_t junit_lt(const keel_audit_report *r)
{
    char *xml = NULL;
    size_t len = 0, n = 0;

    if (keel_audit_render_junit(r, &xml, &len) != KEEL_OK || strlen(xml) != len)
        abort();
    check_xml_chars(xml, len);
    for (size_t i = 0; i < len; i++)
        n += xml[i] == '<';
    free(xml);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_report *hostile, *harmless;

    if (size < 1 || size > 1 << 16)
        return 0;
    hostile = build(data, size, 0);
    harmless = build(data, size, 1);
    check_markdown(hostile);
    check_sarif(hostile);
    if (junit_lt(hostile) != junit_lt(harmless))
        abort();
    keel_audit_report_free(hostile);
    keel_audit_report_free(harmless);
    return 0;
}
