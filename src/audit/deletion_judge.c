/* The judgements of the functional deletion test cases, apart from the network: 5.11-1-2 (the
 * reset erases the user data: canaries planted through the device's routes are nowhere in its
 * data tree afterwards), 5.11-2-2 (the device's function deletes the personal data at the
 * associated service) and 5.11-4-1 (the deletion is confirmed to the user). */
#include "audit.h"

static int ok(long status)
{
    return status >= 200 && status <= 299;
}

static const char *said(long status)
{
    return status > 0 ? "HTTP" : "no answer";
}

/* An answer that says the audit was not let in, or nothing at all: not the device's refusal. */
static int not_let_in(long status)
{
    return status <= 0 || status == 401 || status == 403 || status == 429;
}

/* ---- 5.11-2-2, 5.11-4-1 ---- */

static keel_audit_verdict service_not_run(const keel_audit_service_deletion_facts *f,
                                          int confirmation, keel_catalog_version v,
                                          keel_audit_evidence *ev)
{
    if (f->service == KEEL_AUDIT_DECLARED_NONE) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no associated service that keeps "
                                           "personal data (deletion.service null)");
        return !confirmation && v == KEEL_EN303645_V3_1_3 ? KEEL_AUDIT_NA : KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->service != KEEL_AUDIT_DECLARED)
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no deletion at the associated "
                                           "service (deletion.service)");
    else if (!f->credentials)
        (void)keel_audit_evidence_addf(ev, "no credentials given (--password): the request is "
                                           "the owner's");
    else if (f->logged_in != 1)
        (void)keel_audit_evidence_addf(ev, "the owner's login did not succeed: nothing was "
                                           "tested");
    else
        return KEEL_AUDIT_PASS;
    return KEEL_AUDIT_INCONCLUSIVE;
}

keel_audit_verdict keel_audit_service_deletion_judge(const keel_audit_service_deletion_facts *f,
                                                     int confirmation, keel_catalog_version v,
                                                     keel_audit_evidence *ev)
{
    keel_audit_verdict verdict;

    if (f == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if ((verdict = service_not_run(f, confirmation, v, ev)) != KEEL_AUDIT_PASS)
        return verdict;
    if (f->request == 409) {
        (void)keel_audit_evidence_addf(ev, "the device has no link to an associated service "
                                           "configured (HTTP 409): nothing to delete there");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (!ok(f->request)) {
        (void)keel_audit_evidence_addf(ev, "the deletion request was %s (%s %ld)",
                                       not_let_in(f->request) ? "not answered or not let in"
                                                              : "refused",
                                       said(f->request), f->request);
        return not_let_in(f->request) ? KEEL_AUDIT_INCONCLUSIVE : KEEL_AUDIT_FAIL;
    }
    if (!f->field_seen) {
        (void)keel_audit_evidence_addf(ev,
                                       "the status route never showed the declared field "
                                       "(last answer %s %ld): the outcome cannot be read",
                                       said(f->status), f->status);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (!f->confirmed) {
        (void)keel_audit_evidence_addf(ev, "no confirmation within %ld ms: the field stayed %s",
                                       f->timeout_ms, f->last[0] != '\0' ? f->last : "absent");
        return KEEL_AUDIT_FAIL;
    }
    if (confirmation)
        (void)keel_audit_evidence_addf(ev, "the device shows the owner the confirmation: %s",
                                       f->shown);
    else
        (void)keel_audit_evidence_addf(ev,
                                       "the associated service confirmed the deletion %lld ms "
                                       "after the request",
                                       f->waited_ms);
    return KEEL_AUDIT_PASS;
}

/* ---- 5.11-1-2 ---- */

static keel_audit_verdict reset_not_run(const keel_audit_reset_facts *f, keel_audit_evidence *ev)
{
    if (!f->declared)
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no reset (deletion.reset, "
                                           "25-DelFunc)");
    else if (!f->credentials)
        (void)keel_audit_evidence_addf(ev, "no credentials given (--password): the reset is the "
                                           "owner's");
    else if (!f->tree)
        (void)keel_audit_evidence_addf(ev, "data tree not given (--device-data): the device was "
                                           "not reset");
    else if (f->user_data == 0)
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no user data to plant "
                                           "(deletion.user_data): the device was not reset");
    else if (f->logged_in != 1)
        (void)keel_audit_evidence_addf(ev, "the owner's login did not succeed: the device was "
                                           "not reset");
    else if (f->planted == 0)
        (void)keel_audit_evidence_addf(ev, "the device took no canary: the device was not reset");
    else
        return KEEL_AUDIT_PASS;
    return KEEL_AUDIT_INCONCLUSIVE;
}

keel_audit_verdict keel_audit_reset_judge(const keel_audit_reset_facts *f, keel_audit_evidence *ev)
{
    keel_audit_verdict verdict;

    if (f == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    if ((verdict = reset_not_run(f, ev)) != KEEL_AUDIT_PASS)
        return verdict;
    if (!ok(f->reset)) {
        (void)keel_audit_evidence_addf(ev, "the reset was %s (%s %ld)",
                                       not_let_in(f->reset) ? "not answered or not let in"
                                                            : "refused",
                                       said(f->reset), f->reset);
        return not_let_in(f->reset) ? KEEL_AUDIT_INCONCLUSIVE : KEEL_AUDIT_FAIL;
    }
    if (f->found > 0)
        (void)keel_audit_evidence_addf(ev,
                                       "canaries remain in %zu file(s) of the data tree after "
                                       "the reset: user data was not erased",
                                       f->found);
    if (ok(f->owner_after))
        (void)keel_audit_evidence_addf(ev, "the owner's password still opens a session after the "
                                           "reset: the owner's data was not erased");
    if (f->found > 0 || ok(f->owner_after))
        return KEEL_AUDIT_FAIL;
    if (f->came_back != 1) {
        (void)keel_audit_evidence_addf(ev, "the device did not answer again after the reset: it "
                                           "did not come back in its factory state");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (!f->searched || !f->complete) {
        (void)keel_audit_evidence_addf(ev, "the data tree could not be searched completely: "
                                           "undecided");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    if (f->seen_before > 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%zu of %zu canaries were in the data tree before the "
                                       "reset; none is after it",
                                       f->seen_before, f->planted);
        return KEEL_AUDIT_PASS;
    }
    if (f->owner_after != 401 && f->owner_after != 403) {
        (void)keel_audit_evidence_addf(ev, "no canary was visible before the reset either (sealed "
                                           "at rest) and the owner's password was not seen "
                                           "refused: nothing shows the erasure");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "no canary was visible in the data tree before the reset "
                                       "either (the data is sealed at rest): the search shows that "
                                       "no plain copy remains, the refused password that the "
                                       "owner's account is gone");
    return KEEL_AUDIT_PASS;
}
