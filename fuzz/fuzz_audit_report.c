/* Fuzz keel audit's untrusted entry point: evidence that a hostile device under test
 * controls. The input is split at '\n' into evidence lines of two test cases (the first
 * byte picks the verdicts); the report is rendered to JSON and HTML in memory.
 *
 * Properties checked beyond memory safety:
 * - the JSON parses back and every evidence line reads back exactly as recorded;
 * - the HTML holds exactly as many '<' as the same report with harmless evidence, so no
 *   '<' from the device reached the page unescaped. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"

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
    size_t half = size / 2;

    if (keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:443", &r) != KEEL_OK)
        abort();
    r->generated = 0;
    record(r, "5.1-1-2", pick(data[0]), data + 1, half, harmless);
    record(r, "5.5-1-2", pick((uint8_t)(data[0] >> 2)), data + 1 + half, size - 1 - half, harmless);
    return r;
}

static void check_json(const keel_audit_report *r)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *root, *p;

    if (keel_audit_render_json(r, &text, &len) != KEEL_OK)
        abort();
    root = cJSON_Parse(text);
    if (root == NULL)
        abort();
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(root, "provisions"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");
        const keel_audit_entry *e = keel_audit_report_find(r, id->valuestring);
        const cJSON *t;
        size_t j = 0;

        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(p, "tests"))
        {
            const cJSON *line;
            size_t k = 0;
            cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(t, "evidence"))
            {
                if (!cJSON_IsString(line) ||
                    strcmp(line->valuestring, e->tests[j].evidence[k++]) != 0)
                    abort();
            }
            if (k != e->tests[j++].evidence_count)
                abort();
        }
    }
    cJSON_Delete(root);
    free(text);
}

static size_t count_lt(const keel_audit_report *r)
{
    char *html = NULL;
    size_t len = 0, n = 0;

    if (keel_audit_render_html(r, &html, &len) != KEEL_OK || strlen(html) != len)
        abort();
    for (size_t i = 0; i < len; i++)
        n += html[i] == '<';
    free(html);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_report *hostile, *harmless;

    if (size < 1 || size > 1 << 16)
        return 0;
    hostile = build(data, size, 0);
    harmless = build(data, size, 1);
    check_json(hostile);
    if (count_lt(hostile) != count_lt(harmless))
        abort();
    keel_audit_report_free(hostile);
    keel_audit_report_free(harmless);
    return 0;
}
