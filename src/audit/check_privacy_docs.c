/* The conceptual test cases of personal data, telemetry and deletion over the IXIT
 * (TS 103 701 5.8-3-1, 5.10-1-1, 5.11-1-1, 5.11-2-1, 6-1-1, 6-2-1, 6-4-1, 6-5-1): the design
 * the maker declares (21-PersData, 22-ExtSens, 24-TelData, 25-DelFunc, 2-UserInfo), judged by
 * privacy_judge.c. Nothing is sent to the device. */
#include "audit.h"

typedef keel_audit_verdict (*judge_fn)(const keel_audit_ixit *x, keel_audit_evidence *ev);

static keel_err record(keel_audit_report *r, const char *id, keel_audit_verdict v,
                       keel_audit_evidence *ev)
{
    return keel_audit_record(r, id, KEEL_AUDIT_CONCEPTUAL, v, ev);
}

keel_err keel_audit_check_privacy_docs(keel_audit_report *r, const keel_audit_ixit *x)
{
    static const struct {
        const char *id;
        judge_fn judge;
    } plain[] = {{"5.10-1-1", keel_audit_telemetry_examined_judge},
                 {"5.11-1-1", keel_audit_deletion_device_judge},
                 {"6-1-1", keel_audit_personal_data_judge},
                 {"6-2-1", keel_audit_consent_judge},
                 {"6-4-1", keel_audit_telemetry_minimal_judge},
                 {"6-5-1", keel_audit_telemetry_info_judge}};
    static const struct {
        const char *id;
        keel_audit_verdict (*judge)(const keel_audit_ixit *, keel_catalog_version,
                                    keel_audit_evidence *);
    } versioned[] = {{"5.8-3-1", keel_audit_sensing_judge},
                     {"5.11-2-1", keel_audit_deletion_service_judge}};
    keel_audit_evidence ev;
    keel_err ret = KEEL_OK;

    if (r == NULL)
        return KEEL_ERR_ARG;
    for (size_t i = 0; ret == KEEL_OK && i < sizeof(versioned) / sizeof(versioned[0]); i++) {
        keel_audit_evidence_init(&ev);
        ret = record(r, versioned[i].id, versioned[i].judge(x, r->version, &ev), &ev);
    }
    for (size_t i = 0; ret == KEEL_OK && i < sizeof(plain) / sizeof(plain[0]); i++) {
        keel_audit_evidence_init(&ev);
        ret = record(r, plain[i].id, plain[i].judge(x, &ev), &ev);
    }
    return ret;
}
