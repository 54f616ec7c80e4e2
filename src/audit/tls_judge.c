/* The judgement of TS 103 701 test case 5.5-1-2 (best-practice cryptography to communicate),
 * apart from the network so that every rule is tested: protocol versions, TLS 1.2 suite
 * classes and the server certificate. The name rule (docs/audit-report.md): a device on a
 * LAN is reached by address and presents a self-signed certificate that its owner's client
 * pins, so a name that does not match is evidence only, unless the certificate is issued by
 * a CA and the device is meant to be reached by a DNS name (the target is a name, or the
 * IXIT declares one for the interface): then clients verify the name, and a mismatch fails. */
#include "audit.h"

static const char *const class_fail[KEEL_AUDIT_TLS_CLASS_COUNT] = {
    "TLS 1.2 suites without forward secrecy (static RSA key exchange) are accepted",
    "TLS 1.2 suites without authenticated encryption (CBC) are accepted",
    "weak TLS 1.2 suites (NULL, EXPORT, RC4, DES, 3DES or anonymous) are accepted",
};

/* 1 when the key is below the minimum for its type. */
static int key_too_small(const keel_audit_tls_cert *c, int *min)
{
    *min = 0;
    if (c->key_type[0] == 'R' || c->key_type[0] == 'D') /* "RSA", "DSA" */
        *min = 2048;
    else if (c->key_type[0] == 'E' && c->key_type[1] == 'C') /* "EC" */
        *min = 256;
    return *min > 0 && c->key_bits < *min;
}

static int judge_cert(const keel_audit_tls_cert *c, keel_audit_evidence *ev)
{
    int failed = 0, min;

    if (key_too_small(c, &min)) {
        (void)keel_audit_evidence_addf(ev, "the certificate's %s key has %d bits, fewer than %d",
                                       c->key_type, c->key_bits, min);
        failed = 1;
    }
    if (c->expired) {
        (void)keel_audit_evidence_addf(ev, "the certificate has expired");
        failed = 1;
    }
    if (c->not_yet_valid) {
        (void)keel_audit_evidence_addf(ev, "the certificate is not yet valid");
        failed = 1;
    }
    if (c->name_checked && !c->name_match) {
        if (c->name_is_dns && !c->self_signed) {
            (void)keel_audit_evidence_addf(ev,
                                           "the CA-issued certificate does not name %s, the DNS "
                                           "name the device is reached by: clients verifying "
                                           "the name refuse it",
                                           c->expected);
            failed = 1;
        } else {
            (void)keel_audit_evidence_addf(ev, "the certificate does not name %s: not judged (%s)",
                                           c->expected,
                                           c->self_signed ? "self-signed: the client pins the "
                                                            "certificate, not its name"
                                                          : "reached by address, not by a "
                                                            "DNS name");
        }
    }
    return failed;
}

keel_audit_verdict
keel_audit_tls_judge(const keel_audit_tls_probe versions[4],
                     const keel_audit_tls_probe classes[KEEL_AUDIT_TLS_CLASS_COUNT],
                     const keel_audit_tls_cert *cert, keel_audit_evidence *ev)
{
    int legacy, modern, failed = 0, unprobed = 0;

    if (versions == NULL || classes == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    legacy = versions[0] == KEEL_AUDIT_TLS_ACCEPTED || versions[1] == KEEL_AUDIT_TLS_ACCEPTED;
    modern = versions[2] == KEEL_AUDIT_TLS_ACCEPTED || versions[3] == KEEL_AUDIT_TLS_ACCEPTED;
    if (legacy) {
        (void)keel_audit_evidence_addf(ev, "deprecated TLS versions (RFC 8996) are accepted");
        failed = 1;
    }
    /* Nothing secure on the declared interface, whether it refuses TLS or does not answer:
     * the device cannot be shown to communicate securely. */
    if (!modern) {
        (void)keel_audit_evidence_addf(ev, "no TLS version is accepted");
        return KEEL_AUDIT_FAIL;
    }
    unprobed += versions[0] == KEEL_AUDIT_TLS_UNPROBED || versions[1] == KEEL_AUDIT_TLS_UNPROBED;
    if (versions[2] == KEEL_AUDIT_TLS_ACCEPTED) {
        for (int i = 0; i < KEEL_AUDIT_TLS_CLASS_COUNT; i++) {
            if (classes[i] == KEEL_AUDIT_TLS_ACCEPTED) {
                (void)keel_audit_evidence_addf(ev, "%s", class_fail[i]);
                failed = 1;
            }
            unprobed += classes[i] == KEEL_AUDIT_TLS_UNPROBED;
        }
    }
    if (cert == NULL || !cert->present) {
        (void)keel_audit_evidence_addf(ev, "no server certificate could be read");
        unprobed++;
    } else {
        failed |= judge_cert(cert, ev);
    }
    if (failed)
        return KEEL_AUDIT_FAIL;
    /* Modern TLS works, but a probe never reached the device: it may accept 1.0 or a weak
     * suite. */
    if (unprobed > 0) {
        (void)keel_audit_evidence_addf(ev, "not every version and suite class could be probed");
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    return KEEL_AUDIT_PASS;
}
