/* The conceptual test case of 4-1 (V2.1.1, "4-1-1") / 5.0-1 (V3.1.3, "5.0-1-1") over the
 * ICS: every recommendation the device does not meet has a written justification, and a
 * provision is declared not applicable only where its status says it depends on a condition
 * or a feature. Nothing is sent to the device. */
#include "ics.h"

/* Counts of the ICS by support. */
static void count(const keel_audit_ics *ics, size_t n[3])
{
    n[0] = n[1] = n[2] = 0;
    for (size_t i = 0; i < ics->count; i++) {
        if ((unsigned)ics->entries[i].support < 3)
            n[ics->entries[i].support]++;
    }
}

/* One provision: 1 when it is an offence (evidence names it), 0 otherwise (a note at most). */
static int judge_entry(const keel_audit_ics_entry *e, keel_audit_evidence *ev)
{
    const keel_provision *p = e->provision;

    if (e->support == KEEL_AUDIT_SUPPORT_NA && !keel_audit_ics_na_allowed(p)) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: declared N/A, but its status \"%s\" has no condition "
                                       "or feature: it applies to every device",
                                       p->id, p->status);
        return 1;
    }
    if (e->support == KEEL_AUDIT_SUPPORT_NA && e->justification[0] == '\0') {
        (void)keel_audit_evidence_addf(ev, "%s: declared N/A without a justification", p->id);
        return 1;
    }
    if (e->support != KEEL_AUDIT_SUPPORT_NO)
        return 0;
    if (p->mandatory) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: mandatory, declared not met (N): the device does not "
                                       "conform to it (its test case %s-1 fails)",
                                       p->id, p->id);
        return 0;
    }
    if (e->justification[0] == '\0') {
        (void)keel_audit_evidence_addf(
            ev, "%s: recommendation declared not met (N) without a justification", p->id);
        return 1;
    }
    return 0;
}

keel_audit_verdict keel_audit_ics_judge(const keel_audit_ics *ics, keel_audit_evidence *ev)
{
    size_t n[3], offences = 0;

    (void)keel_audit_evidence_addf(ev, "units: a) every recommendation not met (N) or not "
                                       "applicable (N/A) has a justification, b) N/A only where "
                                       "the provision's status has a condition (C) or feature (F)");
    if (ics == NULL || ics->entries == NULL) {
        (void)keel_audit_evidence_addf(ev, "no ICS given (--ics FILE): nothing to judge");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    count(ics, n);
    (void)keel_audit_evidence_addf(ev,
                                   "ICS of %s %s, software %s%s%s (EN 303 645 V%s): %zu "
                                   "provisions, %zu Y, %zu N, %zu N/A",
                                   ics->manufacturer, ics->model, ics->software_version,
                                   ics->hardware_version[0] != '\0' ? ", hardware " : "",
                                   ics->hardware_version, keel_catalog_version_name(ics->version),
                                   ics->count, n[0], n[1], n[2]);
    for (size_t i = 0; i < ics->count; i++)
        offences += (size_t)judge_entry(&ics->entries[i], ev);
    if (offences > 0) {
        (void)keel_audit_evidence_addf(ev, "%zu provision(s) not accounted for as %s asks",
                                       offences, keel_audit_ics_provision_id(ics->version));
        return KEEL_AUDIT_FAIL;
    }
    (void)keel_audit_evidence_addf(ev, "every recommendation not met has a justification, and "
                                       "every N/A rests on a condition or feature");
    return KEEL_AUDIT_PASS;
}

const char *keel_audit_ics_provision_id(keel_catalog_version v)
{
    switch (v) {
    case KEEL_EN303645_V2_1_1: return "4-1";
    case KEEL_EN303645_V3_1_3: return "5.0-1";
    }
    return NULL;
}

keel_err keel_audit_check_ics(keel_audit_report *r, const keel_audit_ics *ics)
{
    keel_audit_evidence ev;
    keel_audit_verdict v;

    if (r == NULL || (ics != NULL && ics->version != r->version))
        return KEEL_ERR_ARG;
    keel_audit_evidence_init(&ev);
    v = keel_audit_ics_judge(ics, &ev);
    return keel_audit_record(r, r->version == KEEL_EN303645_V2_1_1 ? "4-1-1" : "5.0-1-1",
                             KEEL_AUDIT_CONCEPTUAL, v, &ev);
}
