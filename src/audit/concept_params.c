/* The conceptual test cases of critical security parameters on the IXIT's design tables
 * (10-SecParam, 11-ComMech, 14-SecMgmt, 4-Conf):
 *   5.4-2-1 every hard-coded unique per-device identity (purpose "identity",
 *     unique_per_device; its secret part: a public key or certificate is public) resists
 *     tampering. Units: a) its tamper_protection is documented,
 *     b) it names a hardware-backed store that resists physical and electrical attack and
 *     keeps the key out of software's reach (TPM, secure element, HSM, TEE/TrustZone, secure
 *     enclave, PUF, eFuse/OTP, smart card), c) it does not rest on software measures alone:
 *     file permissions, file encryption or obfuscation with nothing of b) FAIL.
 *   5.4-4-1 every critical parameter (private or secret key, password, seed, other) used for
 *     update integrity or to protect communication with associated services (purpose
 *     "update_integrity", "service_communication", or "identity": a device identity
 *     authenticates the device to its services) is unique per device (a) and its generation is
 * documented and not derived from the serial number or the MAC address (b); public keys and
 * certificates are public: exempt. 5.5-7-1 every parameter that leaves the device is protected in
 * transit by a communication mechanism (named in transit_protection by id or protocol, or carrying
 *     "security_parameters:<id>") whose security is best practice.
 *   5.5-8-1 every parameter documents its whole lifecycle (generation, provisioning, storage,
 *     use, update, revocation, destruction) and has a security_management entry (a); the
 *     supplier confirms 5.5-8 (b). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "concepts.h"

static const keel_audit_concept_term hardware[] = {
    {"tpm", NULL, "TPM"},
    {"trusted platform module", NULL, "TPM"},
    {"secure element", NULL, "secure element"},
    {"hsm", NULL, "HSM"},
    {"hardware security module", NULL, "HSM"},
    {"tee", NULL, "TEE"},
    {"trustzone", NULL, "TrustZone"},
    {"trusted execution environment", NULL, "TEE"},
    {"secure enclave", NULL, "secure enclave"},
    {"puf", NULL, "PUF"},
    {"efuse", NULL, "eFuse"},
    {"efuses", NULL, "eFuse"},
    {"otp", NULL, "OTP memory"},
    {"one time programmable", NULL, "OTP memory"},
    {"smart card", NULL, "smart card"},
};

static const keel_audit_concept_term derived[] = {
    {"serial", "deriv", "the serial number"},  {"mac", "deriv", "the MAC address"},
    {"serial", "comput", "the serial number"}, {"mac", "comput", "the MAC address"},
    {"hard coded", NULL, "hard-coded"},        {"hardcoded", NULL, "hard-coded"},
};

static const char *const lifecycle[] = {"generation", "provisioning", "storage",    "use",
                                        "update",     "revocation",   "destruction"};

static const cJSON *params_table(const cJSON *root, keel_audit_evidence *ev)
{
    return keel_audit_concept_table(root, "security_parameters", "10-SecParam", ev);
}

static int purpose_is(const cJSON *p, const char *purpose)
{
    const char *s = keel_audit_concept_string(p, "purpose");

    return s != NULL && strcmp(s, purpose) == 0;
}

/* 0 for the public kinds (public keys, certificates): not secret, so not critical to keep
 * unique or out of reach; 1 for every other kind, and when the kind is missing. */
static int critical_kind(const char *kind)
{
    return kind == NULL || (strcmp(kind, "public_key") != 0 && strcmp(kind, "certificate") != 0);
}

/* ---- 5.4-2-1 ---- */

keel_audit_verdict keel_audit_concept_identity_judge(const cJSON *root, keel_catalog_version v,
                                                     keel_audit_evidence *ev)
{
    const cJSON *params, *p;
    size_t identities = 0, gaps = 0, i = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units, per unique per-device identity: a) its tamper "
                                       "protection documented, b) a hardware-backed store "
                                       "against physical and electrical tampering, c) not "
                                       "software measures alone");
    params = params_table(root, ev);
    if (params == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(p, params)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(p, "security_parameters", i, buf, sizeof(buf));
        const char *tamper = keel_audit_concept_string(p, "tamper_protection");
        int hw;

        if (!purpose_is(p, "identity") || keel_audit_concept_bool(p, "unique_per_device") != 1) {
            i++;
            continue;
        }
        if (!critical_kind(keel_audit_concept_string(p, "kind"))) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s: a %s, public: what must resist tampering is the "
                                           "identity's secret key",
                                           who, keel_audit_concept_string(p, "kind"));
            i++;
            continue;
        }
        identities++;
        if (tamper == NULL) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s: a) security_parameters[%zu].tamper_protection: "
                                           "required string: its protection is not documented",
                                           who, i);
            gaps++;
            i++;
            continue;
        }
        hw = keel_audit_concept_mentions(tamper, hardware, sizeof(hardware) / sizeof(hardware[0]),
                                         NULL);
        if (hw < 0) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s: a) '%s': b) names no hardware-backed store, c) "
                                           "software measures alone do not resist physical or "
                                           "electrical tampering",
                                           who, tamper);
            gaps++;
        } else {
            (void)keel_audit_evidence_addf(ev, "%s: a) '%s': b) c) held by %s", who, tamper,
                                           hardware[hw].name);
        }
        i++;
    }
    if (identities == 0) {
        (void)keel_audit_evidence_addf(ev, "no security parameter is a unique per-device identity "
                                           "(purpose \"identity\", unique_per_device)");
        (void)keel_audit_evidence_addf(ev, v == KEEL_EN303645_V3_1_3
                                               ? "feature l is absent: 5.4-2 does not apply"
                                               : "condition 10 is absent: 5.4-2 does not apply");
        return KEEL_AUDIT_NA;
    }
    (void)keel_audit_evidence_addf(ev, "%zu of %zu identities resist tampering", identities - gaps,
                                   identities);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- 5.4-4-1 ---- */

/* One parameter in scope; 1 when it has a gap. */
static int unique_gap(const cJSON *p, const char *who, size_t i, keel_audit_evidence *ev)
{
    const char *gen = keel_audit_concept_string(p, "generation");
    int unique = keel_audit_concept_bool(p, "unique_per_device");
    int gap = 0, d;

    if (unique != 1) {
        (void)keel_audit_evidence_addf(ev, "%s: a) %s", who,
                                       unique == 0 ? "shared by every device of the class"
                                                   : "security_parameters[].unique_per_device: "
                                                     "required boolean");
        gap = 1;
    } else {
        (void)keel_audit_evidence_addf(ev, "%s: a) unique per device", who);
    }
    if (gen == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: b) security_parameters[%zu].generation: required "
                                       "string",
                                       who, i);
        return 1;
    }
    d = keel_audit_concept_mentions(gen, derived, sizeof(derived) / sizeof(derived[0]), NULL);
    if (d >= 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: b) '%s': derived from %s: open to an automated attack "
                                       "on the class",
                                       who, gen, derived[d].name);
        return 1;
    }
    (void)keel_audit_evidence_addf(ev, "%s: b) generated: %s", who, gen);
    return gap;
}

keel_audit_verdict keel_audit_concept_unique_judge(const cJSON *root, keel_catalog_version v,
                                                   keel_audit_evidence *ev)
{
    const cJSON *params, *p;
    size_t scope = 0, gaps = 0, i = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units, per critical parameter for update integrity, "
                                       "service communication or identity: a) unique per device, "
                                       "b) its generation documented and resisting automated "
                                       "attacks on the class");
    params = params_table(root, ev);
    if (params == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(p, params)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(p, "security_parameters", i, buf, sizeof(buf));
        const char *kind = keel_audit_concept_string(p, "kind");

        if (purpose_is(p, "update_integrity") || purpose_is(p, "service_communication") ||
            purpose_is(p, "identity")) {
            if (critical_kind(kind)) {
                scope++;
                gaps += (size_t)unique_gap(p, who, i, ev);
            } else {
                (void)keel_audit_evidence_addf(ev, "%s: a %s, public: exempt", who, kind);
            }
        }
        i++;
    }
    if (scope == 0) {
        (void)keel_audit_evidence_addf(ev, "no critical parameter (private or secret key, "
                                           "password, seed) serves update integrity or service "
                                           "communication");
        if (v == KEEL_EN303645_V3_1_3) {
            (void)keel_audit_evidence_addf(ev, "feature m is absent: 5.4-4 does not apply");
            return KEEL_AUDIT_NA;
        }
        (void)keel_audit_evidence_addf(ev, "V2.1.1 states 5.4-4 without a condition: nothing to "
                                           "keep unique");
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev, "%zu of %zu critical parameters unique and well generated",
                                   scope - gaps, scope);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- 5.5-7-1 ---- */

/* 1 when needle occurs in text (case-insensitive) as a whole word or phrase. */
static int names(const char *text, const char *needle)
{
    size_t n = strlen(needle);

    if (n == 0)
        return 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (strncasecmp(p, needle, n) != 0)
            continue;
        if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]))
            return 1;
    }
    return 0;
}

/* 1 when mechanism m carries item ("security_parameters:<id>"). */
static int carries(const cJSON *m, const char *prefix, const char *id)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(m, "carries"), *e;
    size_t plen = strlen(prefix);

    if (id == NULL)
        return 0;
    cJSON_ArrayForEach(e, list)
    {
        if (cJSON_IsString(e) && e->valuestring != NULL &&
            strncmp(e->valuestring, prefix, plen) == 0 && strcmp(e->valuestring + plen, id) == 0)
            return 1;
    }
    return 0;
}

/* The mechanism that protects parameter p in transit, or NULL. */
static const cJSON *transit_mechanism(const cJSON *mechs, const char *id, const char *transit)
{
    const cJSON *m;

    cJSON_ArrayForEach(m, mechs)
    {
        const char *mid = keel_audit_concept_string(m, "id");
        const char *proto = keel_audit_concept_string(m, "protocol");

        if (carries(m, "security_parameters:", id) ||
            (transit != NULL &&
             ((mid != NULL && names(transit, mid)) || (proto != NULL && names(transit, proto)))))
            return m;
    }
    return NULL;
}

keel_audit_verdict keel_audit_concept_transit_judge(const cJSON *root, keel_catalog_version v,
                                                    keel_audit_evidence *ev)
{
    const cJSON *params, *mechs = NULL, *p;
    size_t leaving = 0, gaps = 0, i = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) every parameter that leaves the device is "
                                       "protected in transit by a declared communication "
                                       "mechanism whose security is best practice");
    params = params_table(root, ev);
    if (params == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(p, params) leaving += keel_audit_concept_bool(p, "leaves_device") == 1;
    if (leaving > 0 && (mechs = keel_audit_concept_table(root, "communication_mechanisms",
                                                         "11-ComMech", ev)) == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(p, params)
    {
        char buf[48], what[160];
        const char *who = keel_audit_concept_label(p, "security_parameters", i, buf, sizeof(buf));
        const char *id = keel_audit_concept_string(p, "id");
        const char *transit = keel_audit_concept_string(p, "transit_protection");
        int leaves = keel_audit_concept_bool(p, "leaves_device");
        const cJSON *m;

        i++;
        if (leaves < 0) {
            (void)keel_audit_evidence_addf(ev,
                                           "security_parameters[%zu].leaves_device: required "
                                           "boolean",
                                           i - 1);
            gaps++;
            continue;
        }
        if (!leaves)
            continue;
        m = transit_mechanism(mechs, id, transit);
        if (m == NULL) {
            (void)keel_audit_evidence_addf(ev,
                                           "%s leaves the device: its transit_protection ('%s') "
                                           "names no communication mechanism by id or protocol, "
                                           "and none carries it",
                                           who, transit != NULL ? transit : "");
            gaps++;
            continue;
        }
        (void)snprintf(what, sizeof(what), "%s leaves the device over %s", who,
                       keel_audit_concept_string(m, "id") != NULL
                           ? keel_audit_concept_string(m, "id")
                           : "a mechanism without id");
        gaps += !keel_audit_concept_best_practice(what, keel_audit_concept_string(m, "security"), 1,
                                                  ev);
    }
    if (leaving == 0 && gaps == 0) {
        (void)keel_audit_evidence_addf(ev, "no security parameter leaves the device");
        if (v == KEEL_EN303645_V3_1_3) {
            (void)keel_audit_evidence_addf(ev, "feature o is absent: 5.5-7 does not apply");
            return KEEL_AUDIT_NA;
        }
        (void)keel_audit_evidence_addf(ev, "V2.1.1 states 5.5-7 without a condition: nothing "
                                           "travels");
        return KEEL_AUDIT_PASS;
    }
    (void)keel_audit_evidence_addf(ev, "%zu parameter(s) leave the device, %zu gap(s)", leaving,
                                   gaps);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* ---- 5.5-8-1 ---- */

/* a) one parameter's lifecycle and management; 1 when it has a gap. */
static int managed_gap(const cJSON *p, size_t i, const cJSON *mgmt, keel_audit_evidence *ev)
{
    char buf[48], missing[128] = "";
    const char *who = keel_audit_concept_label(p, "security_parameters", i, buf, sizeof(buf));
    const cJSON *life = cJSON_GetObjectItemCaseSensitive(p, "lifecycle");
    const char *id = keel_audit_concept_string(p, "id");
    const char *process =
        keel_audit_concept_string(keel_audit_concept_find(mgmt, "parameter", id), "process");
    size_t absent = 0;
    int gap = 0;

    for (size_t k = 0; k < sizeof(lifecycle) / sizeof(lifecycle[0]); k++) {
        if (keel_audit_concept_string(life, lifecycle[k]) != NULL)
            continue;
        absent++;
        (void)strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
        (void)strncat(missing, lifecycle[k], sizeof(missing) - strlen(missing) - 1);
    }
    if (absent > 0) {
        (void)keel_audit_evidence_addf(ev, "%s: a) security_parameters[%zu].lifecycle lacks:%s",
                                       who, i, missing);
        gap = 1;
    }
    if (process == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: a) no security_management entry (14-SecMgmt) "
                                       "with its process",
                                       who);
        gap = 1;
    }
    if (!gap)
        (void)keel_audit_evidence_addf(ev, "%s: a) whole lifecycle documented; managed: %s", who,
                                       process);
    return gap;
}

keel_audit_verdict keel_audit_concept_manage_judge(const cJSON *root, keel_catalog_version v,
                                                   keel_audit_evidence *ev)
{
    const cJSON *params, *mgmt, *conf, *p;
    size_t gaps = 0, i = 0, n;
    int confirmed;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units: a) every security parameter documents its whole "
                                       "lifecycle and has a management process (14-SecMgmt), "
                                       "b) the supplier confirms 5.5-8 (4-Conf)");
    params = params_table(root, ev);
    if (params == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    n = (size_t)cJSON_GetArraySize(params);
    if (n == 0 && v == KEEL_EN303645_V3_1_3) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no security parameter: condition "
                                           "16 is absent: 5.5-8 does not apply");
        return KEEL_AUDIT_NA;
    }
    mgmt = keel_audit_concept_table(root, "security_management", "14-SecMgmt", ev);
    conf = keel_audit_concept_table(root, "confirmations", "4-Conf", ev);
    if (mgmt == NULL || conf == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(p, params) gaps += (size_t)managed_gap(p, i++, mgmt, ev);
    confirmed = keel_audit_concept_confirmed(conf, "5.5-8", ev);
    (void)keel_audit_evidence_addf(ev,
                                   "%zu of %zu security parameters managed over their whole "
                                   "lifecycle",
                                   n - gaps, n);
    return gaps == 0 && confirmed ? KEEL_AUDIT_PASS : KEEL_AUDIT_FAIL;
}
