/* The catalog of test cases keel audit can run (catalog_tests.h): one row per test case. A
 * test case that src/audit records must have its row here (tests/unit/audit/
 * test_catalog_tests.c scans the sources for recorded IDs), so `keel audit list` and the
 * ICS's N/A (which records N/A for the rows of a provision) never miss one. */
#include <string.h>

#include "catalog_tests.h"

#define V2 KEEL_AUDIT_IN_V2_1_1
#define V3 KEEL_AUDIT_IN_V3_1_3
#define BOTH KEEL_AUDIT_IN_BOTH
#define C KEEL_AUDIT_CONCEPTUAL
#define F KEEL_AUDIT_FUNCTIONAL
#define LIVE KEEL_AUDIT_INPUT_LIVE
#define ICS KEEL_AUDIT_INPUT_ICS
#define IXIT KEEL_AUDIT_INPUT_IXIT
#define PW KEEL_AUDIT_INPUT_PASSWORD
#define LABELS KEEL_AUDIT_INPUT_LABELS
#define FW KEEL_AUDIT_INPUT_FIRMWARE
#define DATA KEEL_AUDIT_INPUT_DEVICE_DATA
/* One row; the IXIT members it reads last ("NULL" for none). */
#define ROW(id, versions, kind, needs, optional, checks, ...)                                      \
    {                                                                                              \
        id, versions, kind, needs, optional, {__VA_ARGS__}, checks                                 \
    }

static const keel_audit_test_case rows[] = {
    ROW("4-1-1", V2, C, ICS, 0,
        "every recommendation not met or N/A is justified; N/A only where a condition allows it",
        NULL),
    ROW("5.0-1-1", V3, C, ICS, 0,
        "every recommendation not met or N/A is justified; N/A only where a condition or feature "
        "allows it",
        NULL),
    ROW("5.1-1-1", BOTH, C, IXIT, 0,
        "every password or PIN mechanism is user-defined or unique per device", "auth_mechanisms",
        NULL),
    ROW("5.1-1-2", BOTH, F, LIVE, LABELS,
        "no default password (HTTP Basic: user:password pair) opens the login; with --labels, "
        "no two devices share one",
        NULL),
    ROW("5.1-1-3", BOTH, F, FW, 0,
        "the firmware tree's accounts (etc/passwd, etc/shadow): no empty password, no hash a "
        "default password opens",
        NULL),
    ROW("5.1-2-1", BOTH, C, IXIT, 0,
        "unique passwords: generation documented, a random source, no device data, >= 64 bits",
        "auth_mechanisms", NULL),
    ROW("5.1-2-2", BOTH, F, LABELS, 0,
        "the batch's label passwords: unique, not derived from serial or MAC, uniform, >= 64 bits",
        NULL),
    ROW("5.1-3-1", BOTH, C, IXIT, 0,
        "each authentication mechanism: no weak cryptography, a password hash fit for passwords, "
        "TLS 1.2+",
        "auth_mechanisms", "interfaces", "user_interfaces", NULL),
    ROW("5.1-4-2", BOTH, F, LIVE | PW, 0,
        "a weak new password is refused, a strong one accepted and in force (changes the password)",
        NULL),
    ROW("5.1-5-2", BOTH, F, LIVE, 0,
        "up to 25 random wrong passwords within 20 s: the device throttles them", NULL),
    ROW("5.2-1-2", BOTH, F, LIVE | IXIT, 0,
        "security.txt parses per RFC 9116 with Contact, a future Expires, Policy and "
        "Preferred-Languages",
        "security_txt", NULL),
    ROW("5.3-2-2", BOTH, F, LIVE | IXIT | PW, 0,
        "the update mechanism verifies the genuine repository and refuses every manipulated round; "
        "the device runs on",
        "update", NULL),
    ROW("5.3-3-1", BOTH, C, IXIT, 0,
        "updatable components name an update mechanism, automatic or <= 2 user steps; others "
        "say why",
        "software_components", "update_mechanisms", NULL),
    ROW("5.3-7-1", BOTH, C, IXIT, 0,
        "each update mechanism: a best-practice signature and hash, no known-weak cryptography",
        "update_mechanisms", NULL),
    ROW("5.3-7-2", BOTH, F, IXIT, PW,
        "the mirror verifies from the trust anchor; the repository's server: TLS, its CA, no plain "
        "HTTP",
        "update", NULL),
    ROW("5.3-8-1", BOTH, C, IXIT, 0,
        "the supplier confirms 5.3-8 and an update procedure states the days to a security fix",
        "confirmations", "update_procedures", "update_mechanisms", NULL),
    ROW("5.3-9-1", BOTH, C, IXIT, 0,
        "each update mechanism documents how the device verifies authenticity and integrity",
        "update_mechanisms", NULL),
    ROW("5.3-9-2", BOTH, F, LIVE | IXIT | PW, 0,
        "metadata signed by an unknown key, substituted targets, a changed and an endless target "
        "are refused",
        "update", NULL),
    ROW("5.3-10-1", BOTH, C, IXIT, 0,
        "updates over a network: trust rests on an anchor the device holds, verified on the device",
        "update_mechanisms", NULL),
    ROW("5.3-10-2", BOTH, F, LIVE | IXIT | PW, 0,
        "an untrusted server certificate, TLS 1.0/1.1 and metadata signed by an unknown key are "
        "refused",
        "update", NULL),
    ROW("5.3-13-2", BOTH, F, LIVE | IXIT, LABELS,
        "the declared support period is shown where the IXIT says it is published", "publication",
        NULL),
    ROW("5.3-16-2", BOTH, F, LIVE | IXIT, LABELS,
        "the declared model designation is shown where the IXIT says it is published",
        "publication", NULL),
    ROW("5.4-1-2", BOTH, F, LIVE | PW, 0,
        "the device's status names a TPM 2.0 as its root of trust, not keys in files", NULL),
    ROW("5.4-2-1", BOTH, C, IXIT, 0,
        "every unique per-device identity is held in a hardware-backed store, not by software "
        "measures alone",
        "security_parameters", NULL),
    ROW("5.4-3-2", BOTH, F, FW, 0,
        "no private key, default password, token or secret literal hard-coded in the firmware "
        "tree's files",
        NULL),
    ROW("5.4-4-1", BOTH, C, IXIT, 0,
        "secret keys, passwords, seeds for updates or service links: unique per device, their "
        "generation documented",
        "security_parameters", NULL),
    ROW("5.4-4-2", BOTH, F, FW, 0,
        "--firmware-peer (a second device of the model): no private key in both, in any encoding",
        NULL),
    ROW("5.5-1-2", BOTH, F, LIVE, IXIT,
        "TLS 1.0/1.1 and weak suites refused, TLS 1.2/1.3 accepted; certificate key, validity, "
        "name; no declared telnet",
        "interfaces", NULL),
    ROW("5.5-1-3", BOTH, F, FW, 0,
        "the tree's TLS configurations (nginx, Apache, mosquitto, openssl.cnf ...): no TLS < 1.2, "
        "no weak suite",
        NULL),
    ROW("5.5-4-2", BOTH, F, LIVE | IXIT, 0,
        "every non-public route refuses requests without a session and with a bogus token",
        "routes", NULL),
    ROW("5.5-5-2", BOTH, F, LIVE | IXIT, 0,
        "every security-relevant route refuses requests without a session and with a bogus token",
        "routes", NULL),
    ROW("5.5-7-1", BOTH, C, IXIT, 0,
        "every security parameter that leaves the device goes over a best-practice communication "
        "mechanism",
        "security_parameters", "communication_mechanisms", NULL),
    ROW("5.5-8-1", BOTH, C, IXIT, 0,
        "every security parameter documents its whole lifecycle and its management process; the "
        "supplier confirms 5.5-8",
        "security_parameters", "security_management", "confirmations", NULL),
    ROW("5.6-1-1", BOTH, C, IXIT, 0, "every declared interface has a purpose; none is kept unused",
        "interfaces", NULL),
    ROW("5.6-1-2", BOTH, F, LIVE, IXIT,
        "TCP scan of all ports, UDP scan of the top 1000 and IoT ports: only declared ones answer; "
        "telnet named",
        "interfaces", NULL),
    ROW("5.6-2-2", BOTH, F, LIVE, IXIT,
        "before login: no version in headers, no stack trace or version in error bodies, one error "
        "format",
        "routes", NULL),
    ROW("5.6-4-2", V2, F, FW, 0,
        "no keel development build, no debug or remote service (telnet, adbd, SSH password, "
        "serial getty) on",
        NULL),
    ROW("5.6-4A-2", V3, F, FW, 0,
        "no keel development build, no debug or remote service (telnet, adbd, SSH password, "
        "serial getty) on",
        NULL),
    ROW("5.6-7-2", BOTH, F, FW, 0,
        "no setuid or setgid program and nothing world-writable in the firmware tree", NULL),
    ROW("5.6-8-2", BOTH, F, FW, 0,
        "every program and shared object of the firmware tree has NX, PIE and RELRO", NULL),
    ROW("5.7-1-2", BOTH, F, LIVE | FW, IXIT,
        "the flashed slot verifies against its signed record as the device checks it at start; no "
        "integrity alert",
        "update", NULL),
    ROW("5.8-2-1", BOTH, C, IXIT, 0,
        "sensitive personal data sent to associated services go over best-practice communication "
        "mechanisms",
        "personal_data", "communication_mechanisms", NULL),
    ROW("5.8-3-1", BOTH, C, IXIT, 0,
        "every external sensing capability is documented in a document the user gets", "sensing",
        "user_info", NULL),
    ROW("5.9-2-2", BOTH, F, LIVE | IXIT | PW, 0,
        "local function (the declared steps) works while the IXIT's hook cuts the cloud link",
        "outage", NULL),
    ROW("5.10-1-1", BOTH, C, IXIT, 0,
        "the telemetry names how it is examined for security anomalies", "telemetry", NULL),
    ROW("5.11-1-1", BOTH, C, IXIT, 0,
        "a declared deletion function (the reset's route) and its instructions", "deletion",
        "routes", NULL),
    ROW("5.11-1-2", BOTH, F, LIVE | IXIT | PW | DATA, 0,
        "canaries planted as user data, the device reset, no canary left in its data tree (resets "
        "the device)",
        "deletion", NULL),
    ROW("5.11-2-1", BOTH, C, IXIT, 0,
        "the deletion of personal data at the associated service: request and status routes "
        "declared",
        "deletion", "routes", NULL),
    ROW("5.11-2-2", BOTH, F, LIVE | IXIT | PW, 0,
        "the device asks its associated service to delete the owner's data; the service confirms",
        "deletion", NULL),
    ROW("5.11-4-1", BOTH, F, LIVE | IXIT | PW, 0,
        "the device shows the owner the confirmation of that deletion", "deletion", NULL),
    ROW("5.13-1-1", V2, C, IXIT, 0, "every declared route declares its input", "routes", NULL),
    ROW("5.13-1A-1", V3, C, IXIT, 0,
        "every input of every user interface has an input_validation entry saying how it is "
        "validated",
        "user_interfaces", "input_validation", NULL),
    ROW("5.13-1B-1", V3, C, IXIT, 0, "every declared route declares its input", "routes", NULL),
    ROW("5.13-1-2", V2, F, LIVE | IXIT, PW,
        "a bounded campaign of malformed requests: only uniform 4xx answers, the device still up",
        "routes", NULL),
    ROW("5.13-1B-2", V3, F, LIVE | IXIT, PW,
        "a bounded campaign of malformed requests: only uniform 4xx answers, the device still up",
        "routes", NULL),
    ROW("6-1-1", BOTH, C, IXIT, 0,
        "each personal datum: purpose, legal basis, retention, recipients; the controller; a "
        "document for the consumer",
        "personal_data", "user_info", NULL),
    ROW("6-2-1", BOTH, C, IXIT, 0,
        "each consent purpose is off by default and given through a declared route",
        "personal_data", "routes", NULL),
    ROW("6-3-2", V2, F, LIVE | IXIT | PW, 0,
        "consent given: the datum is seen on the broker; withdrawn: nothing more arrives",
        "consent_check", "personal_data", NULL),
    ROW("6-3A-2", V3, F, LIVE | IXIT | PW, 0,
        "consent given: the datum is seen on the broker; withdrawn: nothing more arrives",
        "consent_check", "personal_data", NULL),
    ROW("6-3B-1", V3, C, IXIT, 0,
        "every consent purpose is recorded through a declared route and the records are read "
        "back with GET",
        "personal_data", "routes", NULL),
    ROW("6-4-1", BOTH, C, IXIT, 0,
        "no telemetry field is personal, or each personal one is justified", "telemetry", NULL),
    ROW("6-5-1", BOTH, C, IXIT, 0,
        "the telemetry's fields, purpose and recipient are declared and told to the consumer",
        "telemetry", "user_info", NULL),
    ROW("6-6-1", V3, C, IXIT, 0,
        "each personal datum: a retention, days or a deletion function when stored, never kept "
        "indefinitely unjustified",
        "personal_data", "deletion", NULL),
};

size_t keel_audit_test_case_count(void)
{
    return sizeof(rows) / sizeof(rows[0]);
}

const keel_audit_test_case *keel_audit_test_case_at(size_t i)
{
    return i < keel_audit_test_case_count() ? &rows[i] : NULL;
}

int keel_audit_test_case_in(const keel_audit_test_case *t, keel_catalog_version v)
{
    if (t == NULL)
        return 0;
    switch (v) {
    case KEEL_EN303645_V2_1_1: return (t->versions & KEEL_AUDIT_IN_V2_1_1) != 0;
    case KEEL_EN303645_V3_1_3: return (t->versions & KEEL_AUDIT_IN_V3_1_3) != 0;
    }
    return 0;
}

const keel_audit_test_case *keel_audit_test_case_find(keel_catalog_version v, const char *id)
{
    if (id == NULL)
        return NULL;
    for (size_t i = 0; i < keel_audit_test_case_count(); i++) {
        if (keel_audit_test_case_in(&rows[i], v) && strcmp(rows[i].id, id) == 0)
            return &rows[i];
    }
    return NULL;
}

keel_err keel_audit_test_case_provision(const char *id, char *out, size_t outsz)
{
    const char *dash;
    uint64_t number;
    size_t n;

    if (id == NULL || out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    dash = strrchr(id, '-');
    if (dash == NULL || dash == id || keel_str_to_u64(dash + 1, 1, 99, &number) != KEEL_OK)
        return KEEL_ERR_PARSE;
    n = (size_t)(dash - id);
    if (n >= outsz)
        return KEEL_ERR_RANGE;
    memcpy(out, id, n);
    out[n] = '\0';
    return KEEL_OK;
}

const char *keel_audit_input_name(unsigned bit)
{
    switch (bit) {
    case KEEL_AUDIT_INPUT_LIVE: return "live device";
    case KEEL_AUDIT_INPUT_ICS: return "--ics";
    case KEEL_AUDIT_INPUT_IXIT: return "--ixit";
    case KEEL_AUDIT_INPUT_PASSWORD: return "--password";
    case KEEL_AUDIT_INPUT_LABELS: return "--labels";
    case KEEL_AUDIT_INPUT_FIRMWARE: return "--firmware";
    case KEEL_AUDIT_INPUT_DEVICE_DATA: return "--device-data";
    default: return NULL;
    }
}
