/* The conceptual test cases on the IXIT's design tables (concepts.h): the tables as the
 * judges read them, the rules for free text (known-weak cryptography, best-practice
 * channels, negated clauses) and the driver that records each test case. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_tests.h"
#include "concepts.h"

/* ---- the tables ---- */

const cJSON *keel_audit_concept_table(const cJSON *root, const char *member, const char *table,
                                      keel_audit_evidence *ev)
{
    const cJSON *a = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, member) : NULL;

    if (a == NULL) {
        (void)keel_audit_evidence_addf(ev, "the IXIT has no %s (%s): nothing to judge", member,
                                       table);
        return NULL;
    }
    if (!cJSON_IsArray(a)) {
        (void)keel_audit_evidence_addf(ev, "%s (%s) is not an array: nothing to judge", member,
                                       table);
        return NULL;
    }
    return a;
}

const char *keel_audit_concept_string(const cJSON *obj, const char *name)
{
    const cJSON *m = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

    if (m == NULL || !cJSON_IsString(m) || m->valuestring == NULL || m->valuestring[0] == '\0')
        return NULL;
    return m->valuestring;
}

int keel_audit_concept_bool(const cJSON *obj, const char *name)
{
    const cJSON *m = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;

    return cJSON_IsBool(m) ? cJSON_IsTrue(m) : -1;
}

const char *keel_audit_concept_need(const cJSON *obj, const char *table, size_t i, const char *name,
                                    keel_audit_evidence *ev, size_t *gaps)
{
    const char *s = keel_audit_concept_string(obj, name);

    if (s == NULL) {
        (void)keel_audit_evidence_addf(ev, "%s[%zu].%s: required string", table, i, name);
        (*gaps)++;
    }
    return s;
}

const char *keel_audit_concept_label(const cJSON *obj, const char *table, size_t i, char *buf,
                                     size_t bufsz)
{
    const char *s = keel_audit_concept_string(obj, "id");

    if (s == NULL)
        s = keel_audit_concept_string(obj, "name");
    if (s != NULL)
        return s;
    (void)keel_str_format(buf, bufsz, "%s[%zu]", table, i);
    return buf;
}

const cJSON *keel_audit_concept_find(const cJSON *table, const char *key, const char *value)
{
    const cJSON *e;

    if (value == NULL)
        return NULL;
    cJSON_ArrayForEach(e, table)
    {
        const char *s = keel_audit_concept_string(e, key);
        if (s != NULL && strcmp(s, value) == 0)
            return e;
    }
    return NULL;
}

int keel_audit_concept_confirmed(const cJSON *confirmations, const char *provision,
                                 keel_audit_evidence *ev)
{
    const cJSON *c = keel_audit_concept_find(confirmations, "provision", provision);
    const char *statement = keel_audit_concept_string(c, "statement");

    if (statement == NULL) {
        (void)keel_audit_evidence_addf(ev,
                                       "confirmations (4-Conf) hold no statement for %s: the "
                                       "supplier does not confirm it",
                                       provision);
        return 0;
    }
    (void)keel_audit_evidence_addf(ev, "confirmation for %s: %s", provision, statement);
    return 1;
}

/* ---- free text: tokens, clauses, negation ---- */

typedef struct token {
    const char *s;
    size_t len;
    size_t clause;
} token;

#define TERM_WORDS_MAX 6

/* 1 when c ends a clause at text[i]: ";", ",", ":", "(", ")", a line break, or a full stop
 * that is not inside a number ("1.2"). */
static int clause_end(const char *text, size_t i)
{
    char c = text[i];

    if (c == ';' || c == ',' || c == ':' || c == '(' || c == ')' || c == '\n' || c == '!' ||
        c == '?')
        return 1;
    return c == '.' && (text[i + 1] == '\0' || isspace((unsigned char)text[i + 1]));
}

/* The tokens of text (a run of letters or a run of digits) into a new array (*out, free()). */
static int tokenise(const char *text, token **out, size_t *n)
{
    size_t len = strlen(text), clause = 0, count = 0;
    token *t = malloc((len + 1) * sizeof(*t));

    *out = t;
    *n = 0;
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        size_t j = i;

        if (isalpha(c)) {
            while (j < len && isalpha((unsigned char)text[j]))
                j++;
        } else if (isdigit(c)) {
            while (j < len && isdigit((unsigned char)text[j]))
                j++;
        } else {
            if (clause_end(text, i))
                clause++;
            i++;
            continue;
        }
        t[count].s = text + i;
        t[count].len = j - i;
        t[count].clause = clause;
        count++;
        i = j;
    }
    *n = count;
    return 0;
}

static int token_is(const token *t, const char *word, size_t wlen)
{
    return t->len == wlen && strncasecmp(t->s, word, wlen) == 0;
}

static int token_starts(const token *t, const char *prefix)
{
    size_t plen = strlen(prefix);

    return t->len >= plen && strncasecmp(t->s, prefix, plen) == 0;
}

static int token_in(const token *t, const char *const *words, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (token_is(t, words[k], strlen(words[k])))
            return 1;
    return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* 1 when the clause of the mention at t[at] negates it: a word that negates what follows
 * ("no", "not", "never", "without", ...) before it, a word that refuses what it is said of
 * ("refused", "disabled", "removed", ...) anywhere in the clause, or "not"/"never" followed by
 * "supported", "accepted", "allowed", "used", ... ("TLS 1.0 is not supported"). "MD5, not
 * salted" and "MD5 not salted" still mention MD5 as used. */
static int clause_negated(const token *t, size_t n, size_t at)
{
    static const char *const before[] = {"no",      "not",  "never",   "without", "nor",
                                         "neither", "none", "nothing", "instead", "unlike"};
    static const char *const anywhere[] = {
        "refused",    "refuses",   "refuse",  "rejected", "rejects",  "disabled",   "disables",
        "disallowed", "forbidden", "removed", "replaced", "replaces", "prohibited", "banned"};
    static const char *const denied[] = {"supported", "accepted", "allowed",   "used",
                                         "enabled",   "offered",  "permitted", "negotiated"};
    static const char *const nots[] = {"not", "never"};
    size_t clause = t[at].clause;

    for (size_t i = 0; i < n; i++) {
        if (t[i].clause != clause)
            continue;
        if ((i < at && token_in(&t[i], before, COUNT(before))) ||
            token_in(&t[i], anywhere, COUNT(anywhere)))
            return 1;
        if (token_in(&t[i], nots, COUNT(nots)) && i + 1 < n && t[i + 1].clause == clause &&
            token_in(&t[i + 1], denied, COUNT(denied)))
            return 1;
    }
    return 0;
}

static int clause_has_prefix(const token *t, size_t n, size_t clause, const char *prefix)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].clause == clause && token_starts(&t[i], prefix))
            return 1;
    return 0;
}

/* The number of tokens of term words matched at t[at] (all in one clause), else 0. */
static size_t term_at(const token *t, size_t n, size_t at, const char *words)
{
    const char *w = words;
    size_t k = 0;

    while (*w != '\0') {
        const char *sp = strchr(w, ' ');
        size_t wlen = sp != NULL ? (size_t)(sp - w) : strlen(w);

        if (at + k >= n || t[at + k].clause != t[at].clause || !token_is(&t[at + k], w, wlen))
            return 0;
        k++;
        w += wlen;
        while (*w == ' ')
            w++;
    }
    return k;
}

int keel_audit_concept_mentions(const char *text, const keel_audit_concept_term *terms, size_t n,
                                int *negated)
{
    token *t = NULL;
    size_t count = 0;
    int found = -1;

    if (negated != NULL)
        *negated = 0;
    if (text == NULL || terms == NULL)
        return -1;
    if (tokenise(text, &t, &count) != 0)
        return -2;
    for (size_t i = 0; found < 0 && i < count; i++) {
        for (size_t k = 0; found < 0 && k < n; k++) {
            if (term_at(t, count, i, terms[k].words) == 0)
                continue;
            if (terms[k].also != NULL && !clause_has_prefix(t, count, t[i].clause, terms[k].also))
                continue;
            if (clause_negated(t, count, i)) {
                if (negated != NULL)
                    *negated = 1;
                continue;
            }
            found = (int)k;
        }
    }
    free(t);
    return found;
}

const keel_audit_concept_term keel_audit_concept_weak[] = {
    {"md 5", NULL, "MD5"},
    {"md 4", NULL, "MD4"},
    {"des", NULL, "DES/3DES"},
    {"rc 4", NULL, "RC4"},
    {"plain text", NULL, "plain text"},
    {"plaintext", NULL, "plain text"},
    {"clear text", NULL, "clear text"},
    {"cleartext", NULL, "clear text"},
    {"unencrypted", NULL, "no encryption"},
    {"xor", NULL, "XOR \"encryption\""},
    {"base 64", "encrypt", "base64 \"encryption\""},
    {"base 64", "obfusc", "base64 \"encryption\""},
    {"tls 1 0", NULL, "TLS 1.0"},
    {"tlsv 1 0", NULL, "TLS 1.0"},
    {"tls 1 1", NULL, "TLS 1.1"},
    {"tlsv 1 1", NULL, "TLS 1.1"},
    {"dtls 1 0", NULL, "DTLS 1.0"},
    {"dtlsv 1 0", NULL, "DTLS 1.0"},
    {"ssl", NULL, "SSL"},
    {"sslv", NULL, "SSL"},
    {"ecb", NULL, "ECB mode"},
};
const size_t keel_audit_concept_weak_count =
    sizeof(keel_audit_concept_weak) / sizeof(keel_audit_concept_weak[0]);

const keel_audit_concept_term keel_audit_concept_channels[] = {
    {"tls 1 3", NULL, "TLS 1.3"},
    {"tlsv 1 3", NULL, "TLS 1.3"},
    {"tls 1 2", NULL, "TLS 1.2"},
    {"tlsv 1 2", NULL, "TLS 1.2"},
    {"dtls 1 3", NULL, "DTLS 1.3"},
    {"dtlsv 1 3", NULL, "DTLS 1.3"},
    {"dtls 1 2", NULL, "DTLS 1.2"},
    {"dtlsv 1 2", NULL, "DTLS 1.2"},
    {"ssh", NULL, "SSH"},
    {"ipsec", NULL, "IPsec"},
    {"wireguard", NULL, "WireGuard"},
};
const size_t keel_audit_concept_channel_count =
    sizeof(keel_audit_concept_channels) / sizeof(keel_audit_concept_channels[0]);

int keel_audit_concept_best_practice(const char *who, const char *security, int quote,
                                     keel_audit_evidence *ev)
{
    int weak, channel;

    if (security == NULL) {
        (void)keel_audit_evidence_addf(ev, "%s: its security is not documented", who);
        return 0;
    }
    weak = keel_audit_concept_mentions(security, keel_audit_concept_weak,
                                       keel_audit_concept_weak_count, NULL);
    channel = keel_audit_concept_mentions(security, keel_audit_concept_channels,
                                          keel_audit_concept_channel_count, NULL);
    if (weak == -2 || channel == -2) {
        (void)keel_audit_evidence_addf(ev, "%s: out of memory reading its security", who);
        return 0;
    }
    if (weak >= 0) {
        (void)keel_audit_evidence_addf(ev, "%s: %s%s%snames known-weak cryptography (%s)", who,
                                       quote ? "'" : "", quote ? security : "", quote ? "' " : "",
                                       keel_audit_concept_weak[weak].name);
        return 0;
    }
    if (channel < 0) {
        (void)keel_audit_evidence_addf(ev,
                                       "%s: %s%s%snames no best-practice secure channel (TLS "
                                       "1.2/1.3, DTLS 1.2/1.3, SSH, IPsec, WireGuard)",
                                       who, quote ? "'" : "", quote ? security : "",
                                       quote ? "' " : "");
        return 0;
    }
    (void)keel_audit_evidence_addf(ev, "%s: %s%s%s%s, no known-weak cryptography: best practice",
                                   who, quote ? "'" : "", quote ? security : "", quote ? "': " : "",
                                   keel_audit_concept_channels[channel].name);
    return 1;
}

/* ---- the driver ---- */

static const struct {
    const char *id;
    const char *provision;
    keel_audit_concept_judge judge;
} concepts[] = {
    {"5.1-1-1", "5.1-1", keel_audit_concept_password_unique_judge},
    {"5.1-2-1", "5.1-2", keel_audit_concept_password_generation_judge},
    {"5.1-3-1", "5.1-3", keel_audit_concept_auth_judge},
    {"5.3-3-1", "5.3-3", keel_audit_concept_update_simple_judge},
    {"5.3-7-1", "5.3-7", keel_audit_concept_update_crypto_judge},
    {"5.3-8-1", "5.3-8", keel_audit_concept_update_timely_judge},
    {"5.3-9-1", "5.3-9", keel_audit_concept_update_verify_judge},
    {"5.3-10-1", "5.3-10", keel_audit_concept_update_trust_judge},
    {"5.4-2-1", "5.4-2", keel_audit_concept_identity_judge},
    {"5.4-4-1", "5.4-4", keel_audit_concept_unique_judge},
    {"5.5-7-1", "5.5-7", keel_audit_concept_transit_judge},
    {"5.5-8-1", "5.5-8", keel_audit_concept_manage_judge},
    {"5.6-1-1", "5.6-1", keel_audit_concept_interfaces_judge},
    {"5.8-2-1", "5.8-2", keel_audit_concept_sensitive_judge},
    {"5.13-1A-1", "5.13-1A", keel_audit_concept_input_judge},
    {"6-3B-1", "6-3B", keel_audit_concept_consent_record_judge},
    {"6-6-1", "6-6", keel_audit_concept_retention_judge},
};

int keel_audit_concepts_serve(keel_catalog_version v, const char *provision)
{
    for (size_t i = 0; provision != NULL && i < sizeof(concepts) / sizeof(concepts[0]); i++)
        if (strcmp(concepts[i].provision, provision) == 0 &&
            keel_audit_test_case_find(v, concepts[i].id) != NULL)
            return 1;
    return 0;
}

size_t keel_audit_concepts_wanted(keel_catalog_version v,
                                  int (*wanted)(const char *provision, const void *user),
                                  const void *user, char *ids, size_t idsz)
{
    size_t n = 0, used = 0;

    if (ids != NULL && idsz > 0)
        ids[0] = '\0';
    for (size_t i = 0; i < sizeof(concepts) / sizeof(concepts[0]); i++) {
        if (keel_audit_test_case_find(v, concepts[i].id) == NULL ||
            (wanted != NULL && !wanted(concepts[i].provision, user)))
            continue;
        n++;
        if (ids != NULL && used + strlen(concepts[i].id) + 2 <= idsz) {
            used += (size_t)snprintf(ids + used, idsz - used, "%s%s", used > 0 ? " " : "",
                                     concepts[i].id);
        }
    }
    return n;
}

keel_err keel_audit_check_concepts(keel_audit_report *r, const void *text, size_t len,
                                   int (*wanted)(const char *provision, const void *user),
                                   const void *user)
{
    cJSON *root;
    keel_err ret = KEEL_OK;

    if (r == NULL || text == NULL)
        return KEEL_ERR_ARG;
    root = cJSON_ParseWithLength(text, len);
    if (root == NULL)
        return KEEL_ERR_PARSE;
    for (size_t i = 0; ret == KEEL_OK && i < sizeof(concepts) / sizeof(concepts[0]); i++) {
        keel_audit_evidence ev;

        if (keel_audit_test_case_find(r->version, concepts[i].id) == NULL ||
            (wanted != NULL && !wanted(concepts[i].provision, user)))
            continue;
        keel_audit_evidence_init(&ev);
        ret = keel_audit_record(r, concepts[i].id, KEEL_AUDIT_CONCEPTUAL,
                                concepts[i].judge(root, r->version, &ev), &ev);
    }
    cJSON_Delete(root);
    return ret;
}

keel_err keel_audit_check_concepts_file(keel_audit_report *r, const char *path,
                                        int (*wanted)(const char *provision, const void *user),
                                        const void *user)
{
    char *text = NULL;
    size_t len = 0;
    keel_err ret;

    if (r == NULL || path == NULL)
        return KEEL_ERR_ARG;
    ret = keel_file_read(path, KEEL_AUDIT_IXIT_FILE_MAX, &text, &len);
    if (ret == KEEL_OK)
        ret = keel_audit_check_concepts(r, text, len, wanted, user);
    if (text != NULL)
        keel_file_free(text, len);
    return ret;
}
