/* What the ICS decides in the report once the steps ran (ics.h): a provision declared N/A
 * where its status allows it is N/A, whatever a step that serves several provisions recorded
 * for it (its findings stay in the evidence, set aside); a mandatory provision declared not
 * met fails its conceptual test case. This is the one place besides keel_audit_record that
 * changes a recorded test case, and only its verdict and evidence. */
#include <stdlib.h>
#include <string.h>

#include "catalog_tests.h"
#include "ics.h"

/* Lines an N/A test case carries: what the ICS says and why it may say it. */
static keel_err na_lines(keel_audit_evidence *ev, const keel_audit_ics_entry *e)
{
    keel_err ret =
        keel_audit_evidence_addf(ev, "the ICS declares %s N/A: status %s, %s", e->provision->id,
                                 e->provision->status, e->provision->condition);

    if (ret == KEEL_OK)
        ret = keel_audit_evidence_addf(ev, "ICS justification: %s", e->justification);
    return ret;
}

/* t becomes N/A: the ICS's lines first, then what it found, then its own evidence (cut so
 * that the test keeps within KEEL_AUDIT_EVIDENCE_MAX lines and a note). */
static keel_err set_aside(keel_audit_test *t, const keel_audit_ics_entry *e)
{
    keel_audit_evidence ev;
    size_t keep = t->evidence_count, cut = 0, at;
    char **lines = NULL;
    keel_err ret;

    keel_audit_evidence_init(&ev);
    ret = na_lines(&ev, e);
    if (ret == KEEL_OK)
        ret = keel_audit_evidence_addf(&ev, "set aside: this test case ran and found %s",
                                       keel_audit_verdict_name(t->verdict));
    if (ret != KEEL_OK)
        goto out;
    if (ev.count + keep > KEEL_AUDIT_EVIDENCE_MAX) {
        keep = KEEL_AUDIT_EVIDENCE_MAX - ev.count;
        cut = t->evidence_count - keep;
        ret = keel_audit_evidence_addf(&ev,
                                       "[keel: %zu evidence lines of this test case cut to "
                                       "make room for the ICS's, limit %d]",
                                       cut, KEEL_AUDIT_EVIDENCE_MAX);
        if (ret != KEEL_OK)
            goto out;
    }
    ret = KEEL_ERR_NOMEM;
    lines = calloc(ev.count + keep, sizeof(*lines));
    if (lines == NULL)
        goto out;
    /* The note on the cut, when there is one, goes last. */
    at = cut > 0 ? ev.count - 1 : ev.count;
    memcpy(lines, ev.lines, at * sizeof(*lines));
    if (keep > 0)
        memcpy(lines + at, t->evidence, keep * sizeof(*lines));
    if (cut > 0)
        lines[at + keep] = ev.lines[at];
    for (size_t i = keep; i < t->evidence_count; i++)
        free(t->evidence[i]);
    free(t->evidence);
    t->evidence = lines;
    t->evidence_count = ev.count + keep;
    t->verdict = KEEL_AUDIT_NA;
    ev.count = 0; /* the lines moved into t */
    ret = KEEL_OK;
out:
    keel_audit_evidence_free(&ev);
    return ret;
}

static keel_audit_test *find_test(keel_audit_entry *entry, const char *id)
{
    for (size_t i = 0; i < entry->test_count; i++) {
        if (strcmp(entry->tests[i].id, id) == 0)
            return &entry->tests[i];
    }
    return NULL;
}

static keel_err record_na(keel_audit_report *r, const char *id, keel_audit_kind kind,
                          const keel_audit_ics_entry *e)
{
    keel_audit_evidence ev;
    keel_err ret;

    keel_audit_evidence_init(&ev);
    ret = na_lines(&ev, e);
    if (ret != KEEL_OK) {
        keel_audit_evidence_free(&ev);
        return ret;
    }
    return keel_audit_record(r, id, kind, KEEL_AUDIT_NA, &ev);
}

/* The provision is N/A: set aside what was recorded, record the rest of its test cases N/A. */
static keel_err apply_na(keel_audit_report *r, keel_audit_entry *entry,
                         const keel_audit_ics_entry *e)
{
    char prov[KEEL_AUDIT_TEST_ID_MAX], id[KEEL_AUDIT_TEST_ID_MAX];
    const keel_audit_test_case *t;
    keel_err ret = KEEL_OK;

    for (size_t i = 0; ret == KEEL_OK && i < entry->test_count; i++)
        ret = set_aside(&entry->tests[i], e);
    for (size_t i = 0; ret == KEEL_OK && (t = keel_audit_test_case_at(i)) != NULL; i++) {
        if (!keel_audit_test_case_in(t, r->version) ||
            keel_audit_test_case_provision(t->id, prov, sizeof(prov)) != KEEL_OK ||
            strcmp(prov, e->provision->id) != 0 || find_test(entry, t->id) != NULL)
            continue;
        ret = record_na(r, t->id, t->kind, e);
    }
    if (ret == KEEL_OK && entry->test_count == 0) {
        ret = keel_str_format(id, sizeof(id), "%s-1", e->provision->id);
        if (ret == KEEL_OK)
            ret = record_na(r, id, KEEL_AUDIT_CONCEPTUAL, e);
    }
    return ret;
}

/* A mandatory provision declared not met: its conceptual test case fails on the ICS. */
static keel_err apply_not_met(keel_audit_report *r, keel_audit_entry *entry,
                              const keel_audit_ics_entry *e)
{
    char id[KEEL_AUDIT_TEST_ID_MAX];
    keel_audit_evidence ev;
    keel_err ret = keel_str_format(id, sizeof(id), "%s-1", e->provision->id);

    if (ret != KEEL_OK || find_test(entry, id) != NULL)
        return ret;
    keel_audit_evidence_init(&ev);
    ret = keel_audit_evidence_addf(&ev, "the ICS declares this mandatory provision not met (N)");
    if (ret == KEEL_OK && e->detail[0] != '\0')
        ret = keel_audit_evidence_addf(&ev, "ICS detail: %s", e->detail);
    if (ret == KEEL_OK && e->justification[0] != '\0')
        ret = keel_audit_evidence_addf(&ev, "ICS justification: %s", e->justification);
    if (ret != KEEL_OK) {
        keel_audit_evidence_free(&ev);
        return ret;
    }
    return keel_audit_record(r, id, KEEL_AUDIT_CONCEPTUAL, KEEL_AUDIT_FAIL, &ev);
}

static int selected(const keel_audit_entry *entry, const keel_provision *const *only, size_t n_only)
{
    if (only == NULL || entry->test_count > 0)
        return 1;
    for (size_t i = 0; i < n_only; i++) {
        if (only[i] == entry->provision)
            return 1;
    }
    return 0;
}

keel_err keel_audit_ics_apply(keel_audit_report *r, const keel_audit_ics *ics,
                              const keel_provision *const *only, size_t n_only)
{
    keel_err ret = KEEL_OK;

    if (r == NULL || ics == NULL || ics->version != r->version || ics->count != r->count)
        return KEEL_ERR_ARG;
    for (size_t i = 0; ret == KEEL_OK && i < r->count; i++) {
        keel_audit_entry *entry = &r->entries[i];
        const keel_audit_ics_entry *e = keel_audit_ics_find(ics, entry->provision->id);

        if (e == NULL || !selected(entry, only, n_only))
            continue;
        if (e->support == KEEL_AUDIT_SUPPORT_NA && keel_audit_ics_na_allowed(e->provision))
            ret = apply_na(r, entry, e);
        else if (e->support == KEEL_AUDIT_SUPPORT_NO && e->provision->mandatory)
            ret = apply_not_met(r, entry, e);
    }
    return ret;
}
