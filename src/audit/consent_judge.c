/* The judgement of TS 103 701 test case 6-3A-2 (V2.1.1: 6-3-2): consent withdrawn through the
 * device stops the processing it covered, apart from the network and the broker. */
#include "audit.h"

static int ok(long status)
{
    return status >= 200 && status <= 299;
}

static const char *said(long status)
{
    return status > 0 ? "HTTP" : "no answer";
}

/* The preconditions; PASS to go on. */
static keel_audit_verdict preconditions(const keel_audit_consent_facts *f, keel_catalog_version v,
                                        keel_audit_evidence *ev)
{
    if (!f->declared) {
        if (f->consent_based == 0 && v == KEEL_EN303645_V3_1_3) {
            (void)keel_audit_evidence_addf(ev, "the IXIT declares no processing on the basis of "
                                               "consent (feature y absent): not applicable");
            return KEEL_AUDIT_NA;
        }
        (void)keel_audit_evidence_addf(ev, "the IXIT has no consent_check (how consent is given "
                                           "and withdrawn, what triggers the processing, where "
                                           "the laboratory observes it)");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (!f->credentials) {
        (void)keel_audit_evidence_addf(ev, "no credentials given (--password): consent is the "
                                           "owner's to give");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->watching != 1) {
        (void)keel_audit_evidence_addf(ev, "the laboratory could not watch the processing: "
                                           "nothing was tested");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->logged_in != 1) {
        (void)keel_audit_evidence_addf(ev, "the owner's login did not succeed: nothing was "
                                           "tested");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}

/* While consent was given: PASS when the processing was seen. */
static keel_audit_verdict granted(const keel_audit_consent_facts *f, keel_audit_evidence *ev)
{
    if (!ok(f->grant)) {
        (void)keel_audit_evidence_addf(ev,
                                       "consent could not be given (%s %ld): nothing to "
                                       "withdraw",
                                       said(f->grant), f->grant);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (!ok(f->trigger)) {
        (void)keel_audit_evidence_addf(ev, "the trigger was not taken (%s %ld)", said(f->trigger),
                                       f->trigger);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->while_granted == 0) {
        (void)keel_audit_evidence_addf(ev, "nothing arrived while consent was given: the "
                                           "observation does not work, so silence after the "
                                           "withdrawal would prove nothing");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_consent_withdrawal_judge(const keel_audit_consent_facts *f,
                                                       keel_catalog_version v,
                                                       keel_audit_evidence *ev)
{
    keel_audit_verdict verdict;

    if (f == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if ((verdict = preconditions(f, v, ev)) != KEEL_AUDIT_PASS ||
        (verdict = granted(f, ev)) != KEEL_AUDIT_PASS)
        return verdict;
    if (f->withdraw > 0 && !ok(f->withdraw)) {
        (void)keel_audit_evidence_addf(ev,
                                       "the withdrawal was refused (HTTP %ld): consent "
                                       "cannot be withdrawn",
                                       f->withdraw);
        return KEEL_AUDIT_FAIL;
    }
    if (!ok(f->withdraw)) {
        (void)keel_audit_evidence_addf(ev, "the withdrawal got no answer: undecided");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->after_withdrawal > 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%zu message(s) arrived within %lld ms after the "
                                       "withdrawal: the processing did not stop",
                                       f->after_withdrawal, f->watched_ms);
        return KEEL_AUDIT_FAIL;
    }
    if (!ok(f->trigger_again)) {
        (void)keel_audit_evidence_addf(ev,
                                       "the trigger was not taken after the withdrawal (%s "
                                       "%ld): the silence proves nothing",
                                       said(f->trigger_again), f->trigger_again);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "nothing arrived for %lld ms after the withdrawal, though "
                                   "the trigger fired again: the processing stopped",
                                   f->watched_ms);
    return KEEL_AUDIT_PASS;
}
