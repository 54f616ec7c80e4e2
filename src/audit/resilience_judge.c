/* The judgement of TS 103 701 test case 5.9-2-2 (the device stays locally functional when
 * its network access is lost), apart from the network and the hook's commands. */
#include "audit.h"

static keel_audit_verdict not_run(const keel_audit_outage_facts *f, keel_audit_evidence *ev)
{
    if (!f->hook)
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no outage hook (\"outage\": how to "
                                           "cut and restore the device's cloud link)");
    else if (!f->credentials)
        (void)keel_audit_evidence_addf(ev, "no credentials given (--password): local function "
                                           "needs the owner's login");
    else if (f->baseline != 1)
        (void)keel_audit_evidence_addf(ev, "local function did not work with the link up either: "
                                           "the IXIT's exercise is not what the device does");
    else if (f->cut != 1)
        (void)keel_audit_evidence_addf(ev, "the cut did not take (a cut command failed): "
                                           "nothing was tested offline");
    else
        return KEEL_AUDIT_PASS;
    return KEEL_AUDIT_INCONCLUSIVE;
}

keel_audit_verdict keel_audit_outage_judge(const keel_audit_outage_facts *f,
                                           keel_audit_evidence *ev)
{
    keel_audit_verdict v;

    if (f == NULL || ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    v = not_run(f, ev);
    if (v == KEEL_AUDIT_PASS) {
        if (f->logged_in != 1) {
            (void)keel_audit_evidence_addf(ev,
                                           "the owner could not log in while the link was cut "
                                           "(%s %ld)",
                                           f->login_status ? "HTTP" : "no answer", f->login_status);
            v = KEEL_AUDIT_FAIL;
        } else if (f->steps == 0 || f->steps_ok < f->steps) {
            (void)keel_audit_evidence_addf(ev,
                                           "local function failed while the link was cut: "
                                           "%zu of %zu steps worked",
                                           f->steps_ok, f->steps);
            v = KEEL_AUDIT_FAIL;
        } else {
            (void)keel_audit_evidence_addf(ev,
                                           "local function worked while the link was cut: "
                                           "%zu of %zu steps",
                                           f->steps_ok, f->steps);
        }
    }
    if (f->restored == 0)
        (void)keel_audit_evidence_addf(ev, "the restore failed: the link may still be cut; "
                                           "restore it by hand");
    return v;
}
