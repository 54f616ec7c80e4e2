/* The update mechanisms' cryptography and trust (TS 103 701, IXIT 7-UpdMech):
 *
 * 5.3-7-1 (best-practice cryptography in the update mechanism), per mechanism:
 *   a) its authenticity names a best-practice signature (Ed25519, Ed448, ECDSA, RSA-PSS or
 *      RSA of 2048 bits or more, ML-DSA, SLH-DSA, LMS/XMSS);
 *   b) its integrity names a best-practice hash (SHA-256/384/512, SHA-3, BLAKE2/3);
 *   c) neither names known-weak cryptography (the shared list, and for updates also SHA-1,
 *      CRC, RSA-1024, DSA) outside a clause that refuses it;
 *   d) its confidentiality, when documented, does not rest on known-weak cryptography.
 *
 * 5.3-9-1 (the device verifies authenticity and integrity), per mechanism: both are
 * documented, and each says it is verified or checked (on the device, before the update is
 * used), not only that it exists.
 *
 * 5.3-10-1 (updates over a network verified through a trust relationship), per mechanism
 * delivered over the network: a) it is identified as such; b) its authenticity rests on a
 * trust anchor the device holds (a root, a trust anchor, a pinned or installed key or
 * certificate); c) the check happens on the device (5.3-9-1's verification). A design with no
 * network delivery has nothing to judge: N/A. */
#include <string.h>

#include "concepts.h"

#define TABLE "update_mechanisms"
#define TABLE_ID "7-UpdMech"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const keel_audit_concept_term signatures[] = {
    {"ed 25519", NULL, "Ed25519"},  {"ed 448", NULL, "Ed448"},      {"ecdsa", NULL, "ECDSA"},
    {"rsa pss", NULL, "RSA-PSS"},   {"rsa 2048", NULL, "RSA-2048"}, {"rsa 3072", NULL, "RSA-3072"},
    {"rsa 4096", NULL, "RSA-4096"}, {"ml dsa", NULL, "ML-DSA"},     {"slh dsa", NULL, "SLH-DSA"},
    {"lms", NULL, "LMS"},           {"xmss", NULL, "XMSS"},
};

static const keel_audit_concept_term hashes[] = {
    {"sha 256", NULL, "SHA-256"}, {"sha 384", NULL, "SHA-384"}, {"sha 512", NULL, "SHA-512"},
    {"sha 3", NULL, "SHA-3"},     {"blake 2", NULL, "BLAKE2"},  {"blake 3", NULL, "BLAKE3"},
};

static const keel_audit_concept_term update_weak[] = {
    {"sha 1", NULL, "SHA-1"},
    {"crc", NULL, "a CRC"},
    {"rsa 1024", NULL, "RSA-1024"},
    {"dsa", NULL, "DSA"},
};

static const keel_audit_concept_term verified[] = {
    {"verify", NULL, "verified"}, {"verified", NULL, "verified"}, {"verifies", NULL, "verified"},
    {"checked", NULL, "checked"}, {"checks", NULL, "checked"},    {"validated", NULL, "validated"},
    {"refuses", NULL, "refused"}, {"refused", NULL, "refused"},
};

static const keel_audit_concept_term anchors[] = {
    {"root", NULL, "a root of trust"},      {"trust anchor", NULL, "a trust anchor"},
    {"pinned", NULL, "a pinned key or CA"}, {"public key", NULL, "a public key"},
    {"certificate", NULL, "a certificate"},
};

/* 1 (and a line naming it) when text names known-weak cryptography outside a refusing clause,
 * or cannot be read; else 0. */
static int weak_named(const char *who, const char *field, const char *text, keel_audit_evidence *ev)
{
    int w = keel_audit_concept_mentions(text, keel_audit_concept_weak,
                                        keel_audit_concept_weak_count, NULL);
    int u = keel_audit_concept_mentions(text, update_weak, COUNT(update_weak), NULL);

    if (w == -2 || u == -2) {
        (void)keel_audit_evidence_addf(ev, "%s: out of memory reading its %s", who, field);
        return 1;
    }
    if (w >= 0 || u >= 0) {
        (void)keel_audit_evidence_addf(
            ev, "%s: c) its %s names known-weak cryptography (%s)", who, field,
            w >= 0 ? keel_audit_concept_weak[w].name : update_weak[u].name);
        return 1;
    }
    return 0;
}

/* Index of a term of terms in text, -1 when none (out of memory counts as none). */
static int names(const char *text, const keel_audit_concept_term *terms, size_t n)
{
    int k = text != NULL ? keel_audit_concept_mentions(text, terms, n, NULL) : -1;

    return k >= 0 ? k : -1;
}

/* The verdict over n update mechanisms of which failed failed; none is nothing to judge. */
static keel_audit_verdict mechanisms_verdict(keel_audit_evidence *ev, size_t n, size_t failed)
{
    if (n == 0) {
        (void)keel_audit_evidence_addf(ev, "%s (%s) is empty: nothing to judge", TABLE, TABLE_ID);
        return KEEL_AUDIT_INCONCLUSIVE;
    }
    (void)keel_audit_evidence_addf(ev, "%zu update mechanisms judged, %zu failed", n, failed);
    return failed > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

keel_audit_verdict keel_audit_concept_update_crypto_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev)
{
    const cJSON *table = keel_audit_concept_table(root, TABLE, TABLE_ID, ev);
    const cJSON *m;
    size_t i = 0, failed = 0;

    (void)v;
    if (table == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(m, table)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(m, TABLE, i, buf, sizeof(buf));
        size_t gaps = 0, bad = 0;
        const char *auth = keel_audit_concept_need(m, TABLE, i, "authenticity", ev, &gaps);
        const char *integ = keel_audit_concept_need(m, TABLE, i, "integrity", ev, &gaps);
        const char *conf = keel_audit_concept_string(m, "confidentiality");
        int s, h;

        i++;
        if (gaps > 0) {
            failed++;
            continue;
        }
        s = names(auth, signatures, COUNT(signatures));
        h = names(integ, hashes, COUNT(hashes));
        if (s >= 0) {
            (void)keel_audit_evidence_addf(ev, "%s: a) signed with %s", who, signatures[s].name);
        } else {
            bad++;
            (void)keel_audit_evidence_addf(ev,
                                           "%s: a) its authenticity names no best-practice "
                                           "signature (Ed25519, ECDSA, RSA-PSS, ...)",
                                           who);
        }
        if (h >= 0) {
            (void)keel_audit_evidence_addf(ev, "%s: b) hashed with %s", who, hashes[h].name);
        } else {
            bad++;
            (void)keel_audit_evidence_addf(ev,
                                           "%s: b) its integrity names no best-practice hash "
                                           "(SHA-256 or stronger)",
                                           who);
        }
        bad += (size_t)weak_named(who, "authenticity", auth, ev);
        bad += (size_t)weak_named(who, "integrity", integ, ev);
        if (conf != NULL)
            bad += (size_t)weak_named(who, "confidentiality", conf, ev);
        if (bad == 0)
            (void)keel_audit_evidence_addf(ev, "%s: c) d) no known-weak cryptography named", who);
        else
            failed++;
    }
    return mechanisms_verdict(ev, i, failed);
}

keel_audit_verdict keel_audit_concept_update_verify_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev)
{
    const cJSON *table = keel_audit_concept_table(root, TABLE, TABLE_ID, ev);
    const cJSON *m;
    size_t i = 0, failed = 0;

    (void)v;
    if (table == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(m, table)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(m, TABLE, i, buf, sizeof(buf));
        size_t gaps = 0;
        const char *auth = keel_audit_concept_need(m, TABLE, i, "authenticity", ev, &gaps);
        const char *integ = keel_audit_concept_need(m, TABLE, i, "integrity", ev, &gaps);

        i++;
        if (gaps > 0) {
            failed++;
            continue;
        }
        if (names(auth, verified, COUNT(verified)) < 0 ||
            names(integ, verified, COUNT(verified)) < 0) {
            failed++;
            (void)keel_audit_evidence_addf(
                ev, "%s: its %s does not say that the device verifies it", who,
                names(auth, verified, COUNT(verified)) < 0 ? "authenticity" : "integrity");
            continue;
        }
        (void)keel_audit_evidence_addf(ev, "%s: authenticity and integrity verified by the device",
                                       who);
    }
    return mechanisms_verdict(ev, i, failed);
}

keel_audit_verdict keel_audit_concept_update_trust_judge(const cJSON *root, keel_catalog_version v,
                                                         keel_audit_evidence *ev)
{
    const cJSON *table = keel_audit_concept_table(root, TABLE, TABLE_ID, ev);
    const cJSON *m;
    size_t i = 0, judged = 0, failed = 0;

    (void)v;
    if (table == NULL)
        return KEEL_AUDIT_INCONCLUSIVE;
    cJSON_ArrayForEach(m, table)
    {
        char buf[48];
        const char *who = keel_audit_concept_label(m, TABLE, i, buf, sizeof(buf));
        const char *delivery = keel_audit_concept_string(m, "delivery");
        const char *auth = keel_audit_concept_string(m, "authenticity");
        int a;

        i++;
        if (delivery == NULL || strcmp(delivery, "network") != 0) {
            (void)keel_audit_evidence_addf(ev, "%s: delivered %s, not over a network", who,
                                           delivery != NULL ? delivery : "(not documented)");
            continue;
        }
        judged++;
        (void)keel_audit_evidence_addf(ev, "%s: a) delivered over a network interface", who);
        a = names(auth, anchors, COUNT(anchors));
        if (a < 0) {
            failed++;
            (void)keel_audit_evidence_addf(ev,
                                           "%s: b) its authenticity names no trust anchor the "
                                           "device holds (a root, a pinned key or CA)",
                                           who);
            continue;
        }
        (void)keel_audit_evidence_addf(ev, "%s: b) trust rests on %s", who, anchors[a].name);
        if (names(auth, verified, COUNT(verified)) < 0) {
            failed++;
            (void)keel_audit_evidence_addf(ev, "%s: c) it does not say the device verifies it",
                                           who);
            continue;
        }
        (void)keel_audit_evidence_addf(ev, "%s: c) verified by the device through it", who);
    }
    if (judged == 0) {
        (void)keel_audit_evidence_addf(ev, "no update mechanism is delivered over a network");
        return KEEL_AUDIT_NA;
    }
    (void)keel_audit_evidence_addf(ev, "%zu network update mechanisms judged, %zu failed", judged,
                                   failed);
    return failed > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
