/* Fuzz the ICS parser of keel audit (--ics): the file comes from the device maker and is
 * untrusted. Properties beyond memory safety: a refusal always says why and leaves nothing;
 * a parsed ICS holds every provision of its version once, each with a known support value,
 * every N/A with a justification and texts within their bounds; its conceptual judge gives
 * PASS or FAIL, and applying it to a fresh report records without error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ics.h"

static void check_parsed(const keel_audit_ics *ics)
{
    if (ics->count != keel_catalog_count(ics->version) || ics->manufacturer[0] == '\0' ||
        ics->model[0] == '\0' || ics->software_version[0] == '\0')
        abort();
    for (size_t i = 0; i < ics->count; i++) {
        const keel_audit_ics_entry *e = &ics->entries[i];

        if (e->provision != keel_catalog_at(ics->version, i) ||
            keel_audit_support_name(e->support) == NULL ||
            strlen(e->detail) > KEEL_AUDIT_ICS_TEXT_MAX ||
            strlen(e->justification) > KEEL_AUDIT_ICS_TEXT_MAX ||
            (e->support == KEEL_AUDIT_SUPPORT_NA && e->justification[0] == '\0'))
            abort();
    }
}

static void judge_and_apply(const keel_audit_ics *ics)
{
    keel_audit_report *r = NULL;
    keel_audit_evidence ev;
    keel_audit_verdict v;

    keel_audit_evidence_init(&ev);
    v = keel_audit_ics_judge(ics, &ev);
    keel_audit_evidence_free(&ev);
    if (v != KEEL_AUDIT_PASS && v != KEEL_AUDIT_FAIL)
        abort();
    if (keel_audit_report_new(ics->version, "127.0.0.1:1", &r) != KEEL_OK)
        return; /* out of memory */
    if (keel_audit_check_ics(r, ics) != KEEL_OK || keel_audit_ics_apply(r, ics, NULL, 0) != KEEL_OK)
        abort();
    keel_audit_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[KEEL_AUDIT_ICS_WHY_MAX];
    keel_audit_ics ics;
    keel_err err = keel_audit_ics_parse(data, size, &ics, why, sizeof(why));

    if (err != KEEL_OK) {
        if ((why[0] == '\0' && err != KEEL_ERR_NOMEM) || ics.entries != NULL || ics.count != 0)
            abort();
        return 0;
    }
    check_parsed(&ics);
    judge_and_apply(&ics);
    keel_audit_ics_free(&ics);
    return 0;
}
