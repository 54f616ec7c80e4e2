/* The report model: every provision of one EN 303 645 version with the TS 103 701 test
 * cases recorded against it. A provision nobody tested stays NOT TESTED; nothing passes by
 * default (4-1 / 5.0-1: every provision is accounted for). */
#include <stdlib.h>
#include <string.h>

#include "audit.h"

const char *keel_audit_verdict_name(keel_audit_verdict v)
{
    static const char *const names[KEEL_AUDIT_VERDICT_COUNT] = {"PASS", "FAIL", "N/A",
                                                                "INCONCLUSIVE", "NOT TESTED"};

    if ((unsigned)v >= KEEL_AUDIT_VERDICT_COUNT)
        return NULL;
    return names[v];
}

const char *keel_audit_kind_name(keel_audit_kind k)
{
    switch (k) {
    case KEEL_AUDIT_CONCEPTUAL: return "conceptual";
    case KEEL_AUDIT_FUNCTIONAL: return "functional";
    }
    return NULL;
}

keel_err keel_audit_report_new(keel_catalog_version v, const char *target, keel_audit_report **out)
{
    keel_audit_report *r = NULL;
    size_t n = keel_catalog_count(v);
    keel_err ret = KEEL_ERR_ARG;

    if (target == NULL || out == NULL)
        goto out;
    *out = NULL;
    ret = KEEL_ERR_CATALOG_VERSION;
    if (n == 0)
        goto out;
    ret = KEEL_ERR_NOMEM;
    r = calloc(1, sizeof(*r));
    if (r == NULL || (r->entries = calloc(n, sizeof(*r->entries))) == NULL)
        goto out;
    ret = keel_str_copy(r->target, sizeof(r->target), target);
    if (ret != KEEL_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        r->entries[i].provision = keel_catalog_at(v, i);
        if (r->entries[i].provision == NULL) {
            ret = KEEL_ERR_CATALOG_VERSION;
            goto out;
        }
    }
    r->version = v;
    r->count = n;
    r->generated = time(NULL);
    *out = r;
    r = NULL;
    ret = KEEL_OK;
out:
    keel_audit_report_free(r);
    return ret;
}

static void test_free(keel_audit_test *t)
{
    for (size_t i = 0; i < t->evidence_count; i++)
        free(t->evidence[i]);
    free(t->evidence);
    memset(t, 0, sizeof(*t));
}

void keel_audit_report_free(keel_audit_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; r->entries != NULL && i < r->count; i++) {
        for (size_t j = 0; j < r->entries[i].test_count; j++)
            test_free(&r->entries[i].tests[j]);
    }
    free(r->entries);
    free(r);
}

static keel_audit_entry *find_entry(const keel_audit_report *r, const char *id)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->entries[i].provision->id, id) == 0)
            return &r->entries[i];
    }
    return NULL;
}

const keel_audit_entry *keel_audit_report_find(const keel_audit_report *r, const char *id)
{
    if (r == NULL || id == NULL)
        return NULL;
    return find_entry(r, id);
}

/* Split "5.5-1-2" into the provision "5.5-1" (into prov) after checking the test number. */
static keel_err split_test_id(const char *test_id, char *prov, size_t provsz)
{
    const char *dash = strrchr(test_id, '-');
    uint64_t number;
    size_t n;

    if (dash == NULL || dash == test_id)
        return KEEL_ERR_PARSE;
    if (keel_str_to_u64(dash + 1, 1, 99, &number) != KEEL_OK)
        return KEEL_ERR_PARSE;
    n = (size_t)(dash - test_id);
    if (n >= provsz)
        return KEEL_ERR_RANGE;
    memcpy(prov, test_id, n);
    prov[n] = '\0';
    return KEEL_OK;
}

/* Move ev's lines into t, adding the note when lines were dropped. */
static keel_err take_evidence(keel_audit_test *t, keel_audit_evidence *ev)
{
    if (ev->dropped > 0) {
        char note[96];
        keel_err ret =
            keel_str_format(note, sizeof(note), "[keel: %zu further evidence lines cut, limit %d]",
                            ev->dropped, KEEL_AUDIT_EVIDENCE_MAX);
        if (ret != KEEL_OK)
            return ret;
        ev->lines[ev->count] = strdup(note);
        if (ev->lines[ev->count] == NULL)
            return KEEL_ERR_NOMEM;
        ev->count++;
        ev->dropped = 0;
    }
    if (ev->count == 0)
        return KEEL_OK;
    t->evidence = calloc(ev->count, sizeof(*t->evidence));
    if (t->evidence == NULL)
        return KEEL_ERR_NOMEM;
    memcpy(t->evidence, ev->lines, ev->count * sizeof(*t->evidence));
    t->evidence_count = ev->count;
    ev->count = 0;
    return KEEL_OK;
}

static keel_err check_record_args(keel_audit_report *r, const char *test_id, keel_audit_kind kind,
                                  keel_audit_verdict verdict)
{
    if (r == NULL || test_id == NULL || keel_audit_kind_name(kind) == NULL)
        return KEEL_ERR_ARG;
    if (verdict != KEEL_AUDIT_PASS && verdict != KEEL_AUDIT_FAIL && verdict != KEEL_AUDIT_NA &&
        verdict != KEEL_AUDIT_INCONCLUSIVE)
        return KEEL_ERR_ARG;
    if (strnlen(test_id, KEEL_AUDIT_TEST_ID_MAX) >= KEEL_AUDIT_TEST_ID_MAX)
        return KEEL_ERR_RANGE;
    return KEEL_OK;
}

keel_err keel_audit_record(keel_audit_report *r, const char *test_id, keel_audit_kind kind,
                           keel_audit_verdict verdict, keel_audit_evidence *ev)
{
    char prov[KEEL_AUDIT_TEST_ID_MAX];
    keel_audit_entry *e;
    keel_audit_test *t;
    keel_err ret = check_record_args(r, test_id, kind, verdict);

    if (ret == KEEL_OK)
        ret = split_test_id(test_id, prov, sizeof(prov));
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_NOT_FOUND;
    e = find_entry(r, prov);
    if (e == NULL)
        goto out;
    ret = KEEL_ERR_EXISTS;
    for (size_t i = 0; i < e->test_count; i++) {
        if (strcmp(e->tests[i].id, test_id) == 0)
            goto out;
    }
    ret = KEEL_ERR_RANGE;
    if (e->test_count >= KEEL_AUDIT_TESTS_MAX)
        goto out;
    t = &e->tests[e->test_count];
    memcpy(t->id, test_id, strlen(test_id) + 1);
    t->kind = kind;
    t->verdict = verdict;
    ret = ev != NULL ? take_evidence(t, ev) : KEEL_OK;
    if (ret != KEEL_OK) {
        test_free(t);
        goto out;
    }
    e->test_count++;
out:
    keel_audit_evidence_free(ev);
    return ret;
}

keel_audit_verdict keel_audit_entry_verdict(const keel_audit_entry *e)
{
    size_t seen[KEEL_AUDIT_VERDICT_COUNT] = {0};

    if (e == NULL || e->test_count == 0)
        return KEEL_AUDIT_NOT_TESTED;
    for (size_t i = 0; i < e->test_count; i++) {
        if ((unsigned)e->tests[i].verdict < KEEL_AUDIT_VERDICT_COUNT)
            seen[e->tests[i].verdict]++;
    }
    if (seen[KEEL_AUDIT_FAIL] > 0)
        return KEEL_AUDIT_FAIL;
    if (seen[KEEL_AUDIT_INCONCLUSIVE] > 0)
        return KEEL_AUDIT_INCONCLUSIVE;
    if (seen[KEEL_AUDIT_PASS] > 0)
        return KEEL_AUDIT_PASS;
    if (seen[KEEL_AUDIT_NA] == e->test_count)
        return KEEL_AUDIT_NA;
    return KEEL_AUDIT_NOT_TESTED;
}

keel_err keel_audit_summarize(const keel_audit_report *r, const char *section,
                              keel_audit_summary *out)
{
    if (r == NULL || out == NULL)
        return KEEL_ERR_ARG;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < r->count; i++) {
        const keel_audit_entry *e = &r->entries[i];
        keel_audit_verdict v = keel_audit_entry_verdict(e);

        if (section != NULL && strcmp(e->provision->section, section) != 0)
            continue;
        out->all.n[v]++;
        out->all.total++;
        if (e->provision->mandatory) {
            out->mandatory.n[v]++;
            out->mandatory.total++;
        }
    }
    return KEEL_OK;
}

keel_err keel_audit_sections(const keel_audit_report *r, const char **sections, size_t max,
                             size_t *count)
{
    size_t n = 0;

    if (r == NULL || count == NULL || (sections == NULL && max != 0))
        return KEEL_ERR_ARG;
    *count = 0;
    for (size_t i = 0; i < r->count; i++) {
        const char *s = r->entries[i].provision->section;
        size_t j = 0;

        while (j < n && strcmp(sections[j], s) != 0)
            j++;
        if (j < n)
            continue;
        if (n == max)
            return KEEL_ERR_RANGE;
        sections[n++] = s;
    }
    *count = n;
    return KEEL_OK;
}
