/* 5.1-1-1 and 5.1-2-1 (TS 103 701, IXIT 1-AuthMech): the passwords of the design.
 *
 * 5.1-1-1, one unit: every password or PIN mechanism (users' and machines') is either
 * user-defined or unique per device outside the factory default; a credential that is
 * "none" (a password the same for every device, or no password where one is asked) fails.
 *
 * 5.1-2-1, four units per pre-installed unique password (credential "unique_per_device"):
 *   a) its generation is documented;
 *   b) it comes from a random source (a CSPRNG, a DRBG, getrandom, /dev/urandom, RAND_bytes,
 *      a TRNG or an HSM's generator);
 *   c) it is not derived from device data (serial number, MAC address, IMEI, a counter or
 *      sequence, the model, a timestamp) outside a sentence's part that refuses it ("never
 *      derived from the serial, a MAC address or a counter" is fine);
 *   d) its strength is stated as at least 64 bits (what keel's own label check, 5.1-2-2,
 *      asks of the labels).
 * A design without a pre-installed unique password has nothing for 5.1-2-1 to judge: N/A
 * (5.1-2 applies only to pre-installed unique passwords). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "concepts.h"

#define TABLE "auth_mechanisms"
#define TABLE_ID "1-AuthMech"
#define STRENGTH_BITS_MIN 64ul

static const keel_audit_concept_term random_sources[] = {
    {"csprng", NULL, "a CSPRNG"},        {"drbg", NULL, "a DRBG"},
    {"getrandom", NULL, "getrandom"},    {"urandom", NULL, "/dev/urandom"},
    {"rand bytes", NULL, "RAND_bytes"},  {"trng", NULL, "a TRNG"},
    {"random", NULL, "a random source"}, {"hsm", NULL, "an HSM"},
};

/* Device data a password must not be derived from, as whole words; the evidence's name. */
static const struct {
    const char *word;
    const char *name;
} device_data[] = {
    {"serial", "the serial number"},
    {"mac", "a MAC address"},
    {"imei", "the IMEI"},
    {"counter", "a counter"},
    {"sequence", "a sequence"},
    {"sequential", "a sequence"},
    {"model", "the model"},
    {"timestamp", "a timestamp"},
    {"derived", "device data (\"derived\")"},
};

/* Words that refuse what follows them in the same sentence: "never derived from the serial,
 * a MAC address or a counter" names none of the three as used. */
static const char *const refusals[] = {"never", "not", "no", "without", "nor"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is_password(const cJSON *m)
{
    const char *kind = keel_audit_concept_string(m, "kind");

    return kind != NULL && (strcmp(kind, "password") == 0 || strcmp(kind, "pin") == 0);
}

keel_audit_verdict keel_audit_concept_password_unique_judge(const cJSON *root,
                                                            keel_catalog_version v,
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
        const char *credential = keel_audit_concept_string(m, "credential");

        i++;
        if (!is_password(m))
            continue;
        judged++;
        if (credential != NULL && (strcmp(credential, "user_defined") == 0 ||
                                   strcmp(credential, "unique_per_device") == 0)) {
            (void)keel_audit_evidence_addf(
                ev, "%s: %s", who,
                strcmp(credential, "user_defined") == 0 ? "user-defined" : "unique per device");
            continue;
        }
        failed++;
        (void)keel_audit_evidence_addf(ev,
                                       "%s: credential '%s': a password neither user-defined nor "
                                       "unique per device (5.1-1)",
                                       who, credential != NULL ? credential : "(not documented)");
    }
    if (judged == 0) {
        (void)keel_audit_evidence_addf(ev, "%s (%s) declares no password or PIN mechanism", TABLE,
                                       TABLE_ID);
        return KEEL_AUDIT_NA;
    }
    (void)keel_audit_evidence_addf(ev, "%zu password mechanisms judged, %zu not unique", judged,
                                   failed);
    return failed > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}

/* The largest N written as "N bits", "N-bit" or "N bit" in text (0 when none). */
static unsigned long stated_bits(const char *text)
{
    unsigned long best = 0;

    for (const char *p = text; *p != '\0'; p++) {
        unsigned long n = 0;
        const char *q = p;

        if (!isdigit((unsigned char)*p) || (p > text && isdigit((unsigned char)p[-1])))
            continue;
        while (isdigit((unsigned char)*q) && n < 1000000ul)
            n = n * 10 + (unsigned long)(*q++ - '0');
        while (*q == ' ' || *q == '-')
            q++;
        if (strncasecmp(q, "bit", 3) == 0 && !isalpha((unsigned char)q[3 + (q[3] == 's')]) &&
            n > best)
            best = n;
    }
    return best;
}

/* The index into device_data of the first datum text names as used, -1 when none. A sentence
 * (ended by ';', a line break, or a full stop that is not inside a number) refuses every datum
 * after a refusal word in it; *refused is set when a datum was named only so. */
static int device_data_named(const char *text, int *refused)
{
    int in_refusal = 0;
    const char *p = text;

    while (*p != '\0') {
        size_t len = 0;

        if (*p == ';' || *p == '\n' ||
            (*p == '.' &&
             !(p > text && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1])))) {
            in_refusal = 0;
            p++;
            continue;
        }
        if (!isalnum((unsigned char)*p)) {
            p++;
            continue;
        }
        while (isalnum((unsigned char)p[len]))
            len++;
        for (size_t i = 0; i < COUNT(refusals); i++)
            if (strlen(refusals[i]) == len && strncasecmp(p, refusals[i], len) == 0)
                in_refusal = 1;
        for (size_t i = 0; i < COUNT(device_data); i++) {
            if (strlen(device_data[i].word) != len || strncasecmp(p, device_data[i].word, len) != 0)
                continue;
            if (!in_refusal)
                return (int)i;
            *refused = 1;
        }
        p += len;
    }
    return -1;
}

/* The four units of 5.1-2-1 on one mechanism; returns the units failed. */
static size_t judge_generation(const char *who, const char *generation, keel_audit_evidence *ev)
{
    int negated = 0;
    int source, data;
    unsigned long bits;
    size_t failed = 0;

    if (generation == NULL) {
        (void)keel_audit_evidence_addf(ev, "%s: a) its generation is not documented", who);
        return 4;
    }
    (void)keel_audit_evidence_addf(ev, "%s: a) generation documented", who);
    source = keel_audit_concept_mentions(generation, random_sources, COUNT(random_sources), NULL);
    data = device_data_named(generation, &negated);
    if (source == -2) {
        (void)keel_audit_evidence_addf(ev, "%s: out of memory reading its generation", who);
        return 3;
    }
    if (source >= 0) {
        (void)keel_audit_evidence_addf(ev, "%s: b) from %s", who, random_sources[source].name);
    } else {
        failed++;
        (void)keel_audit_evidence_addf(ev,
                                       "%s: b) names no random source (a CSPRNG, DRBG, "
                                       "getrandom, a TRNG)",
                                       who);
    }
    if (data >= 0) {
        failed++;
        (void)keel_audit_evidence_addf(ev, "%s: c) derived from %s: guessable across the class",
                                       who, device_data[data].name);
    } else {
        (void)keel_audit_evidence_addf(ev, "%s: c) not derived from device data%s", who,
                                       negated ? " (said so explicitly)" : "");
    }
    bits = stated_bits(generation);
    if (bits >= STRENGTH_BITS_MIN) {
        (void)keel_audit_evidence_addf(ev, "%s: d) %lu bits stated", who, bits);
    } else {
        failed++;
        if (bits == 0)
            (void)keel_audit_evidence_addf(ev, "%s: d) its strength is not stated in bits", who);
        else
            (void)keel_audit_evidence_addf(ev, "%s: d) %lu bits stated, below %lu", who, bits,
                                           STRENGTH_BITS_MIN);
    }
    return failed;
}

keel_audit_verdict keel_audit_concept_password_generation_judge(const cJSON *root,
                                                                keel_catalog_version v,
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
        const char *credential = keel_audit_concept_string(m, "credential");

        i++;
        if (!is_password(m) || credential == NULL || strcmp(credential, "unique_per_device") != 0)
            continue;
        judged++;
        if (judge_generation(who, keel_audit_concept_string(m, "generation"), ev) > 0)
            failed++;
    }
    if (judged == 0) {
        (void)keel_audit_evidence_addf(ev, "%s (%s) declares no pre-installed unique password",
                                       TABLE, TABLE_ID);
        return KEEL_AUDIT_NA;
    }
    (void)keel_audit_evidence_addf(ev, "%zu pre-installed unique passwords judged, %zu failed",
                                   judged, failed);
    return failed > 0 ? KEEL_AUDIT_FAIL : KEEL_AUDIT_PASS;
}
