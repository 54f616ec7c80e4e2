/* The conceptual test cases of the mandatory provisions judged on the IXIT's design tables
 * (TS 103 701 IXIT 1-AuthMech, 4-Conf, 6-SoftComp, 7-UpdMech, 8-UpdProc, 10-SecParam,
 * 11-ComMech, 14-SecMgmt, 21-PersData, 27-UserIntf, 29-InpVal; private to src/audit):
 *   5.1-1-1 and 5.1-2-1 (concept_passwords.c), 5.1-3-1 (concept_auth.c), 5.3-3-1 and 5.3-8-1
 *   (concept_update.c), 5.3-7-1, 5.3-9-1 and 5.3-10-1 (concept_update_crypto.c), 5.6-1-1
 *   (concept_interfaces.c, on 15-Intf), 5.4-2-1, 5.4-4-1,
 *   5.5-7-1 and 5.5-8-1 (concept_params.c), 5.8-2-1, 6-3B-1 and 6-6-1 (concept_data.c),
 *   5.13-1A-1 (concept_input.c); the tables, the text rules and the driver in concepts.c.
 * Each judge reads its tables from the IXIT's JSON document itself (cJSON), not from the
 * parsed keel_audit_ixit: a table that is absent (or not an array) makes the test case
 * INCONCLUSIVE naming it; an entry that lacks a field the test unit needs is a gap in the
 * documented design and FAILs naming "table[i].field". Every unit's outcome is written into
 * the evidence. Nothing is sent to the device. */
#ifndef KEEL_AUDIT_CONCEPTS_H
#define KEEL_AUDIT_CONCEPTS_H

#include <cjson/cJSON.h>

#include "audit.h"

typedef keel_audit_verdict (*keel_audit_concept_judge)(const cJSON *root, keel_catalog_version v,
                                                       keel_audit_evidence *ev);

/* The judges, one per test case (root: the IXIT document; any JSON value is handled). */
keel_audit_verdict keel_audit_concept_password_unique_judge(const cJSON *root,
                                                            keel_catalog_version v,
                                                            keel_audit_evidence *ev); /* 5.1-1-1 */
keel_audit_verdict
keel_audit_concept_password_generation_judge(const cJSON *root, keel_catalog_version v,
                                             keel_audit_evidence *ev); /* 5.1-2-1 */
keel_audit_verdict keel_audit_concept_update_crypto_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev); /* 5.3-7-1 */
keel_audit_verdict keel_audit_concept_update_verify_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev); /* 5.3-9-1 */
keel_audit_verdict keel_audit_concept_update_trust_judge(const cJSON *root, keel_catalog_version v,
                                                         keel_audit_evidence *ev); /* 5.3-10-1 */
keel_audit_verdict keel_audit_concept_interfaces_judge(const cJSON *root, keel_catalog_version v,
                                                       keel_audit_evidence *ev); /* 5.6-1-1 */
keel_audit_verdict keel_audit_concept_auth_judge(const cJSON *root, keel_catalog_version v,
                                                 keel_audit_evidence *ev); /* 5.1-3-1 */
keel_audit_verdict keel_audit_concept_update_simple_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev); /* 5.3-3-1 */
keel_audit_verdict keel_audit_concept_update_timely_judge(const cJSON *root, keel_catalog_version v,
                                                          keel_audit_evidence *ev); /* 5.3-8-1 */
keel_audit_verdict keel_audit_concept_identity_judge(const cJSON *root, keel_catalog_version v,
                                                     keel_audit_evidence *ev); /* 5.4-2-1 */
keel_audit_verdict keel_audit_concept_unique_judge(const cJSON *root, keel_catalog_version v,
                                                   keel_audit_evidence *ev); /* 5.4-4-1 */
keel_audit_verdict keel_audit_concept_transit_judge(const cJSON *root, keel_catalog_version v,
                                                    keel_audit_evidence *ev); /* 5.5-7-1 */
keel_audit_verdict keel_audit_concept_manage_judge(const cJSON *root, keel_catalog_version v,
                                                   keel_audit_evidence *ev); /* 5.5-8-1 */
keel_audit_verdict keel_audit_concept_sensitive_judge(const cJSON *root, keel_catalog_version v,
                                                      keel_audit_evidence *ev); /* 5.8-2-1 */
keel_audit_verdict keel_audit_concept_input_judge(const cJSON *root, keel_catalog_version v,
                                                  keel_audit_evidence *ev); /* 5.13-1A-1 */
keel_audit_verdict keel_audit_concept_consent_record_judge(const cJSON *root,
                                                           keel_catalog_version v,
                                                           keel_audit_evidence *ev); /* 6-3B-1 */
keel_audit_verdict keel_audit_concept_retention_judge(const cJSON *root, keel_catalog_version v,
                                                      keel_audit_evidence *ev); /* 6-6-1 */

/* ---- the tables (concepts.c) ---- */

/* root[member] when it is an array; else NULL and one evidence line: "the IXIT has no
 * <member> (<table>): nothing to judge" or "<member> (<table>) is not an array". */
const cJSON *keel_audit_concept_table(const cJSON *root, const char *member, const char *table,
                                      keel_audit_evidence *ev);

/* The string member name of obj when it is a non-empty string, else NULL. */
const char *keel_audit_concept_string(const cJSON *obj, const char *name);

/* The boolean member name of obj: 0 or 1; -1 when absent or not a boolean. */
int keel_audit_concept_bool(const cJSON *obj, const char *name);

/* The string name of entry i of table when it is a non-empty string; else NULL and a line
 * "<table>[i].<name>: required string" (*gaps incremented). */
const char *keel_audit_concept_need(const cJSON *obj, const char *table, size_t i, const char *name,
                                    keel_audit_evidence *ev, size_t *gaps);

/* The entry's name for evidence: its "id", else its "name", else "<table>[i]" in buf. */
const char *keel_audit_concept_label(const cJSON *obj, const char *table, size_t i, char *buf,
                                     size_t bufsz);

/* 1 when confirmations (4-Conf, already fetched) holds provision with a non-empty statement
 * (the statement goes into the evidence); else 0 and a line saying it is missing. */
int keel_audit_concept_confirmed(const cJSON *confirmations, const char *provision,
                                 keel_audit_evidence *ev);

/* The entry of table whose string member key equals value, or NULL. */
const cJSON *keel_audit_concept_find(const cJSON *table, const char *key, const char *value);

/* ---- the text rules (concepts.c) ---- */

/* A term looked for in free text: its words (lower-case, separated by one space) as the
 * text's tokens, where a token is a run of letters or a run of digits ("TLSv1.0" is
 * "tlsv 1 0", "SHA-1" is "sha 1", "3DES" is "3 des"); also (NULL: none) a word prefix that
 * must be in the same clause; name is what the evidence calls it. */
typedef struct keel_audit_concept_term {
    const char *words;
    const char *also;
    const char *name;
} keel_audit_concept_term;

/* Where text mentions one of n terms outside a negated clause (a clause, delimited by ";",
 * ",", ":", "(", ")", a new line or a full stop, that holds "no", "not", "never", "without",
 * ... before the term, "refused", "disabled", "removed", ... anywhere, or "not supported",
 * "never used", ...: "TLS 1.0 and 1.1 refused" and "no SSL" do not mention them as used,
 * "MD5 not salted" does):
 * the first such term's index, else -1. *negated (may be NULL) is set to 1 when a term was
 * mentioned only in negated clauses. -2 when the text cannot be tokenised (out of memory). */
int keel_audit_concept_mentions(const char *text, const keel_audit_concept_term *terms, size_t n,
                                int *negated);

/* The known-weak cryptography (MD5, DES/3DES, RC4, "plain text", XOR or base64 as
 * "encryption", TLS 1.0/1.1, DTLS 1.0, SSL, ECB) and the best-practice secure channels (TLS
 * 1.2/1.3, DTLS 1.2/1.3, SSH, IPsec, WireGuard). */
extern const keel_audit_concept_term keel_audit_concept_weak[];
extern const size_t keel_audit_concept_weak_count;
extern const keel_audit_concept_term keel_audit_concept_channels[];
extern const size_t keel_audit_concept_channel_count;

/* Judge a description of a channel's or mechanism's security (who names it in the evidence):
 * 1 when it names a best-practice channel and no known-weak cryptography outside a negated
 * clause; else 0. One evidence line either way, quoting the description when quote. */
int keel_audit_concept_best_practice(const char *who, const char *security, int quote,
                                     keel_audit_evidence *ev);

#endif /* KEEL_AUDIT_CONCEPTS_H */
