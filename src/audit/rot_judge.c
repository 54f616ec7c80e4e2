/* The judgement of TS 103 701 test case 5.4-1-2 (sensitive security parameters in
 * persistent storage kept securely), apart from the network so that every branch is
 * tested. keel's development root of trust keeps the storage key and the identity key in
 * files that anyone with the flash can read: a device that runs on it does not meet 5.4-1. */
#include <string.h>

#include "audit.h"

static keel_audit_verdict no_value(long status, keel_err found, keel_audit_evidence *ev)
{
    if (status == 0) {
        (void)keel_audit_evidence_addf(ev, "the status route did not answer");
    } else if (status == 404 || status == 405) {
        (void)keel_audit_evidence_addf(ev,
                                       "no status route (HTTP %ld); name it with "
                                       "--status-path",
                                       status);
    } else if (status != 200) {
        (void)keel_audit_evidence_addf(ev, "the status route answered HTTP %ld", status);
    } else if (found == KEEL_ERR_RANGE) {
        (void)keel_audit_evidence_addf(ev,
                                       "the status names a root_of_trust longer than %d "
                                       "bytes, which keel does not know",
                                       KEEL_AUDIT_ROT_NAME_MAX - 1);
    } else {
        (void)keel_audit_evidence_addf(ev, "the status answer names no root_of_trust (a JSON "
                                           "string member)");
    }
    return KEEL_AUDIT_INCONCLUSIVE;
}

keel_audit_verdict keel_audit_rot_judge(long status, keel_err found, const char *rot,
                                        keel_audit_evidence *ev)
{
    if (status != 200 || found != KEEL_OK || rot == NULL)
        return no_value(status, found, ev);
    if (strcmp(rot, "file") == 0) {
        (void)keel_audit_evidence_addf(ev, "the device keeps its keys in files (development "
                                           "root of trust): 5.4-1 needs them in protected "
                                           "storage");
        return KEEL_AUDIT_FAIL;
    }
    if (strcmp(rot, "tpm2") == 0) {
        (void)keel_audit_evidence_addf(ev, "the device reports a TPM 2.0 root of trust "
                                           "(self-reported through its authenticated status)");
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "the device reports the root of trust '%s', which keel "
                                   "does not know",
                                   rot);
    return KEEL_AUDIT_INCONCLUSIVE;
}
