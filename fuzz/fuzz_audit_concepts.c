/* Fuzz the conceptual test cases on the IXIT's design tables (5.1-1-1 .. 6-6-1, concepts.h):
 * the IXIT is the supplier's, untrusted. Each input is judged for V3.1.3 and V2.1.1.
 * Properties beyond memory safety: the input is either refused as not JSON (nothing
 * recorded) or every test case of the version is recorded (as many as
 * keel_audit_concepts_wanted counts), each with a verdict and evidence; a document that is
 * not a JSON object has none of the tables, so nothing PASSes or FAILs on it (never PASS by
 * default); the text rules name a term of the list or none. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "concepts.h"

static void judge(const uint8_t *data, size_t size, keel_catalog_version v)
{
    size_t want = keel_audit_concepts_wanted(v, NULL, NULL, NULL, 0);
    keel_audit_report *r = NULL;
    size_t n = 0;
    int object;
    cJSON *root;
    keel_err err;

    if (keel_audit_report_new(v, "fuzz", &r) != KEEL_OK)
        abort();
    err = keel_audit_check_concepts(r, data, size, NULL, NULL);
    root = cJSON_ParseWithLength((const char *)data, size);
    object = cJSON_IsObject(root);
    if ((err == KEEL_ERR_PARSE) != (root == NULL) || (err != KEEL_OK && err != KEEL_ERR_PARSE))
        abort();
    cJSON_Delete(root);
    for (size_t i = 0; i < r->count; i++) {
        for (size_t j = 0; j < r->entries[i].test_count; j++) {
            const keel_audit_test *t = &r->entries[i].tests[j];

            n++;
            if (t->kind != KEEL_AUDIT_CONCEPTUAL || t->evidence_count == 0)
                abort();
            if (t->verdict != KEEL_AUDIT_PASS && t->verdict != KEEL_AUDIT_FAIL &&
                t->verdict != KEEL_AUDIT_NA && t->verdict != KEEL_AUDIT_INCONCLUSIVE)
                abort();
            if (!object && t->verdict != KEEL_AUDIT_INCONCLUSIVE)
                abort();
        }
    }
    if (n != (err == KEEL_OK ? want : 0))
        abort();
    keel_audit_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    int k, negated = 0;

    judge(data, size, KEEL_EN303645_V3_1_3);
    judge(data, size, KEEL_EN303645_V2_1_1);
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    k = keel_audit_concept_mentions(text, keel_audit_concept_weak, keel_audit_concept_weak_count,
                                    &negated);
    if (k < -2 || k >= (int)keel_audit_concept_weak_count)
        abort();
    k = keel_audit_concept_mentions(text, keel_audit_concept_channels,
                                    keel_audit_concept_channel_count, NULL);
    if (k < -2 || k >= (int)keel_audit_concept_channel_count)
        abort();
    free(text);
    return 0;
}
