/* 5.1-3-1 (TS 103 701, IXIT 1-AuthMech): the mechanisms that authenticate users and
 * machines to the device use best-practice cryptography. Units, per mechanism:
 *   a) its cryptography (of the mechanism and of its channel) is documented;
 *   b) it names no known-weak cryptography (MD5, DES/3DES, RC4, plain text, XOR or base64
 *      "encryption", TLS 1.0/1.1, SSL, ECB; for passwords and PINs also SHA-1) outside a
 *      clause that refuses it;
 *   c) a password is verified against a password hash fit for it (Argon2, scrypt, bcrypt,
 *      yescrypt, PBKDF2 with an iteration count of at least 1,000) or by a challenge-response
 *      (SCRAM, SRP, a PAKE) that never stores or sends it; a PIN the same, or a keyed MAC
 *      (HMAC) whose key the device protects;
 *   d) a mechanism reached over a network interface runs over a best-practice channel (TLS
 *      1.2/1.3, DTLS 1.2/1.3, SSH, IPsec, WireGuard). A mechanism is local (no channel) when
 *      its interface is a physical one: a user_interfaces entry of kind "physical", or named
 *      "physical", "keypad", "button" or "touchscreen"; an interface of the IXIT's
 *      "interfaces" with transport tcp or udp, and anything else, is a network one. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "concepts.h"

static const keel_audit_concept_term password_weak[] = {
    {"sha 1", NULL, "SHA-1"},
};

static const keel_audit_concept_term password_hashes[] = {
    {"argon 2", NULL, "Argon2"},
    {"scrypt", NULL, "scrypt"},
    {"bcrypt", NULL, "bcrypt"},
    {"yescrypt", NULL, "yescrypt"},
    {"challenge response", NULL, "challenge-response"},
    {"scram", NULL, "SCRAM"},
    {"srp", NULL, "SRP"},
    {"pake", NULL, "a PAKE"},
    {"spake", NULL, "SPAKE2"},
};

static const keel_audit_concept_term pbkdf2[] = {{"pbkdf 2", NULL, "PBKDF2"}};
static const keel_audit_concept_term hmac[] = {{"hmac", NULL, "HMAC"}};

static const keel_audit_concept_term physical[] = {
    {"physical", NULL, "physical"},
    {"keypad", NULL, "keypad"},
    {"button", NULL, "button"},
    {"touchscreen", NULL, "touchscreen"},
};

/* The largest number written in text (0 when none; capped at 10^9), a thousands separator
 * ("600,000", "600 000", "600_000") read as part of the number. */
static unsigned long largest_count(const char *text)
{
    unsigned long best = 0;
    const char *p = text;

    while (*p != '\0') {
        unsigned long v = 0;

        if (!isdigit((unsigned char)*p)) {
            p++;
            continue;
        }
        while (isdigit((unsigned char)*p)) {
            if (v < 1000000000ul)
                v = v * 10 + (unsigned long)(*p - '0');
            p++;
            if ((*p == ',' || *p == ' ' || *p == '_') && isdigit((unsigned char)p[1]) &&
                isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
                !isdigit((unsigned char)p[4]))
                p++;
        }
        best = v > best ? v : best;
    }
    return best;
}

/* 1 when the mechanism is reached only on a physical interface. */
static int is_physical(const cJSON *root, const char *interface)
{
    const cJSON *ui = cJSON_GetObjectItemCaseSensitive(root, "user_interfaces");
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(root, "interfaces");
    const cJSON *e = keel_audit_concept_find(net, "id", interface);
    const char *kind;

    if (e != NULL) {
        const char *transport = keel_audit_concept_string(e, "transport");
        if (transport != NULL && (strcmp(transport, "tcp") == 0 || strcmp(transport, "udp") == 0))
            return 0;
    }
    e = keel_audit_concept_find(ui, "id", interface);
    kind = keel_audit_concept_string(e, "kind");
    if (kind != NULL)
        return strcmp(kind, "physical") == 0;
    return keel_audit_concept_mentions(interface, physical, sizeof(physical) / sizeof(physical[0]),
                                       NULL) >= 0;
}

/* c): the password (or PIN) verification; 1 when fit. */
static int password_fit(const char *who, const char *kind, const char *crypto,
                        keel_audit_evidence *ev)
{
    int k = keel_audit_concept_mentions(crypto, password_hashes,
                                        sizeof(password_hashes) / sizeof(password_hashes[0]), NULL);
    unsigned long count;

    if (k >= 0) {
        (void)keel_audit_evidence_addf(ev, "%s: c) verified with %s", who, password_hashes[k].name);
        return 1;
    }
    if (keel_audit_concept_mentions(crypto, pbkdf2, 1, NULL) >= 0) {
        count = largest_count(crypto);
        if (count >= 1000) {
            (void)keel_audit_evidence_addf(ev, "c) %s: PBKDF2 with a count of %lu", who, count);
            return 1;
        }
        (void)keel_audit_evidence_addf(ev,
                                       "%s: c) PBKDF2 without an iteration count of at least "
                                       "1,000",
                                       who);
        return 0;
    }
    if (strcmp(kind, "pin") == 0 && keel_audit_concept_mentions(crypto, hmac, 1, NULL) >= 0) {
        (void)keel_audit_evidence_addf(ev, "%s: c) the PIN verified as a keyed MAC (HMAC)", who);
        return 1;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%s: c) names no password hash fit for a %s (Argon2, scrypt, "
                                   "bcrypt, yescrypt, PBKDF2 with a count) and no "
                                   "challenge-response",
                                   who, kind);
    return 0;
}

/* One mechanism's units; 1 when it has a gap. */
static int mechanism_gaps(const cJSON *root, const cJSON *m, size_t i, keel_audit_evidence *ev)
{
    char buf[48];
    const char *who = keel_audit_concept_label(m, "auth_mechanisms", i, buf, sizeof(buf));
    const char *kind = keel_audit_concept_string(m, "kind");
    const char *crypto = keel_audit_concept_string(m, "crypto");
    const char *interface = keel_audit_concept_string(m, "interface");
    int weak, gap = 0;

    if (crypto == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: a) auth_mechanisms[%zu].crypto: required string: its "
                                       "cryptography is not documented",
                                       who, i);
        return 1;
    }
    (void)keel_audit_evidence_addf(ev, "%s (%s, %s): a) %s", who, kind != NULL ? kind : "no kind",
                                   interface != NULL ? interface : "no interface", crypto);
    weak = keel_audit_concept_mentions(crypto, keel_audit_concept_weak,
                                       keel_audit_concept_weak_count, NULL);
    if (weak == -2) {
        (void)keel_audit_evidence_addf(ev, "%s: out of memory reading its cryptography", who);
        return 1;
    }
    if (weak < 0 && kind != NULL && (strcmp(kind, "password") == 0 || strcmp(kind, "pin") == 0) &&
        keel_audit_concept_mentions(crypto, password_weak, 1, NULL) >= 0) {
        (void)keel_audit_evidence_addf(ev, "%s: b) SHA-1 for a %s", who, kind);
        gap = 1;
    } else if (weak >= 0) {
        (void)keel_audit_evidence_addf(ev, "%s: b) names known-weak cryptography (%s)", who,
                                       keel_audit_concept_weak[weak].name);
        gap = 1;
    }
    if (kind == NULL) {
        (void)keel_audit_evidence_addf(ev, "auth_mechanisms[%zu].kind: required string", i);
        gap = 1;
    } else if (strcmp(kind, "password") == 0 || strcmp(kind, "pin") == 0) {
        gap |= !password_fit(who, kind, crypto, ev);
    }
    if (interface == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "auth_mechanisms[%zu].interface: required string: the "
                                       "channel cannot be judged",
                                       i);
        gap = 1;
    } else if (is_physical(root, interface)) {
        (void)keel_audit_evidence_addf(
            ev, "%s: d) on the physical interface %s: no network channel", who, interface);
    } else {
        char what[96];

        (void)snprintf(what, sizeof(what), "%s: d) its channel", who);
        gap |= !keel_audit_concept_best_practice(what, crypto, 0, ev);
    }
    return gap;
}

keel_audit_verdict keel_audit_concept_auth_judge(const cJSON *root, keel_catalog_version v,
                                                 keel_audit_evidence *ev)
{
    const cJSON *mechs, *m;
    size_t n, gaps = 0, i = 0;

    if (ev == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    (void)keel_audit_evidence_addf(ev, "units, per mechanism: a) its cryptography documented, b) "
                                       "no known-weak primitive, c) passwords: a password hash "
                                       "or a challenge-response, d) on a network interface: TLS "
                                       "1.2+ (or DTLS 1.2+, SSH, IPsec, WireGuard)");
    mechs = keel_audit_concept_table(root, "auth_mechanisms", "1-AuthMech", ev);
    if (mechs == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    n = (size_t)cJSON_GetArraySize(mechs);
    if (n == 0) {
        (void)keel_audit_evidence_addf(ev, "the IXIT declares no authentication mechanism");
        if (v == KEEL_EN303645_V3_1_3) {
            (void)keel_audit_evidence_addf(ev, "feature c (cryptographic authentication) is "
                                               "absent: 5.1-3 does not apply");
            return KEEL_AUDIT_NA;
        }
        (void)keel_audit_evidence_addf(ev, "V2.1.1 states 5.1-3 without a condition: no "
                                           "mechanism, nothing to protect");
        return KEEL_AUDIT_PASS;
    }
    cJSON_ArrayForEach(m, mechs)
    {
        gaps += (size_t)mechanism_gaps(root, m, i, ev);
        i++;
    }
    (void)keel_audit_evidence_addf(ev,
                                   "%zu of %zu authentication mechanisms use best-practice "
                                   "cryptography",
                                   n - gaps, n);
    return gaps > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
