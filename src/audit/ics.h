/*
 * The ICS (Implementation Conformance Statement: Table B.1 of EN 303 645, filled in by the
 * device maker) as keel audit's input: every provision of one version with its support (Y, N
 * or N/A), a detail and a justification. Shape: data/schemas/ics.schema.json.
 *
 * What the audit does with it:
 *  - the conceptual test case of 4-1 (V2.1.1: "4-1-1") / 5.0-1 (V3.1.3: "5.0-1-1") judges it:
 *    every recommendation not met has a justification, and N/A rests on a condition (C) or a
 *    feature (F) of the provision's status (keel_audit_ics_judge);
 *  - a provision declared N/A where its status allows it is reported N/A: its test cases are
 *    recorded N/A with the ICS's justification, and the steps serving only it are skipped
 *    (keel_audit_ics_skips, keel_audit_ics_apply);
 *  - a mandatory provision declared not met (N) is recorded FAIL by its conceptual test case
 *    "<provision>-1" unless a test case of keel already records that one.
 *
 * The file comes from the device maker and is untrusted: every size is bounded, and every
 * refusal names the provision and the member ("provisions[4] (5.1-3).support: must be "Y",
 * "N" or "N/A""), so that the maker can fix the file.
 */
#ifndef KEEL_AUDIT_ICS_H
#define KEEL_AUDIT_ICS_H

#include <stddef.h>

#include "audit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of an ICS file. A detail or justification fits one evidence line with its label. */
#define KEEL_AUDIT_ICS_FILE_MAX ((size_t)1024 * 1024)
#define KEEL_AUDIT_ICS_TEXT_MAX 480   /* bytes of a detail or a justification */
#define KEEL_AUDIT_ICS_DEVICE_MAX 128 /* bytes of a device member */
/* Room for the reason of a refused ICS. */
#define KEEL_AUDIT_ICS_WHY_MAX 320

typedef enum keel_audit_support {
    KEEL_AUDIT_SUPPORT_YES = 0, /* "Y": implemented */
    KEEL_AUDIT_SUPPORT_NO = 1,  /* "N": not implemented */
    KEEL_AUDIT_SUPPORT_NA = 2   /* "N/A": not applicable to the device */
} keel_audit_support;

/* "Y", "N", "N/A"; NULL for an unknown value. */
const char *keel_audit_support_name(keel_audit_support s);

typedef struct keel_audit_ics_entry {
    const keel_provision *provision; /* from the catalog, never NULL */
    keel_audit_support support;
    char detail[KEEL_AUDIT_ICS_TEXT_MAX + 1];        /* "" when not given */
    char justification[KEEL_AUDIT_ICS_TEXT_MAX + 1]; /* "" when not given */
} keel_audit_ics_entry;

typedef struct keel_audit_ics {
    keel_catalog_version version;
    char manufacturer[KEEL_AUDIT_ICS_DEVICE_MAX];
    char model[KEEL_AUDIT_ICS_DEVICE_MAX];
    char software_version[KEEL_AUDIT_ICS_DEVICE_MAX];
    char hardware_version[KEEL_AUDIT_ICS_DEVICE_MAX]; /* "" when not given */
    keel_audit_ics_entry *entries; /* one per provision of version, in catalog order */
    size_t count;
} keel_audit_ics;

/* Parse len bytes (untrusted; need not be NUL-terminated) of an ICS: an object with
 * "standard" ("ETSI EN 303 645"), "version" ("3.1.3" or "2.1.1"), "device" (non-empty
 * "manufacturer", "model", "software_version"; "hardware_version" optional) and
 * "provisions", an array holding every provision of that version exactly once, in any order:
 * "id", "support" ("Y", "N", "N/A"), optional "detail" and "justification" (strings without
 * control characters, "" when empty), and the template's read-only help members "status"
 * (which must equal the catalog's), "condition" and "requirement" (strings, not read).
 * "$schema" may stand at the top; any other member is refused, so that a misspelt one is not
 * lost. Refused: a missing, unknown or duplicate provision, a bad support value (the
 * template's "" included), N/A without a justification. KEEL_ERR_PARSE / KEEL_ERR_TOO_LARGE
 * (past KEEL_AUDIT_ICS_FILE_MAX, or a text past its bound) with why naming the provision and
 * member, KEEL_ERR_NOMEM. why (whysz bytes, may be NULL) is always NUL-terminated; on failure
 * *out is empty. Free with keel_audit_ics_free. */
keel_err keel_audit_ics_parse(const void *text, size_t len, keel_audit_ics *out, char *why,
                              size_t whysz);

/* keel_audit_ics_parse of the file at path; KEEL_ERR_IO (why: the system's reason) when it
 * cannot be read. */
keel_err keel_audit_ics_load(const char *path, keel_audit_ics *out, char *why, size_t whysz);

/* Release the ICS and leave it empty. NULL is a no-op. */
void keel_audit_ics_free(keel_audit_ics *ics);

/* The entry of provision id, or NULL. */
const keel_audit_ics_entry *keel_audit_ics_find(const keel_audit_ics *ics, const char *id);

/* 1 when the status of p lets the ICS declare it N/A: conditional ("M C (1)", "R C (12)")
 * or feature-dependent ("M F (a)", "M C F (14, e)"); 0 for "M" and "R". */
int keel_audit_ics_na_allowed(const keel_provision *p);

/* 1 when the ICS (may be NULL) declares provision id N/A and its status allows it: the audit
 * skips the steps that serve only that provision. */
int keel_audit_ics_skips(const keel_audit_ics *ics, const char *id);

/* The conceptual test case of 4-1 / 5.0-1 over the ICS: PASS when every recommendation
 * declared N has a justification and every N/A is allowed by a condition or feature; FAIL
 * naming each offending provision. A mandatory provision declared N is named in the evidence
 * (its own test case fails: keel_audit_ics_apply), and does not fail this one. ics NULL:
 * INCONCLUSIVE, "no ICS given". Evidence: a first line "units: ...", the device and counts,
 * one line per offence or note. */
keel_audit_verdict keel_audit_ics_judge(const keel_audit_ics *ics, keel_audit_evidence *ev);

/* The ID of that provision in version v: "4-1" (V2.1.1) or "5.0-1" (V3.1.3); NULL for an
 * unknown version. */
const char *keel_audit_ics_provision_id(keel_catalog_version v);

/* Record "4-1-1" / "5.0-1-1" (conceptual) with keel_audit_ics_judge. ics may be NULL; an ICS
 * of another version than r's is KEEL_ERR_ARG. Only a failure to record is returned
 * otherwise. */
keel_err keel_audit_check_ics(keel_audit_report *r, const keel_audit_ics *ics);

/* Apply the ICS to the report after the steps ran, for the provisions in only[] (n_only of
 * them; only NULL: every provision) and any other provision a step recorded a test case of:
 *  - declared N/A where keel_audit_ics_na_allowed: every test case already recorded is set to
 *    N/A, its evidence kept after the ICS's lines and the verdict it had ("set aside: ..."); the
 *    provision's test cases of catalog_tests.h not recorded are recorded N/A, or "<id>-1"
 *    (conceptual) when the catalog lists none. Evidence: the status and condition, the ICS's
 *    justification;
 *  - mandatory and declared N: "<id>-1" (conceptual) recorded FAIL with the ICS's detail and
 *    justification, unless a step recorded it.
 * ics of another version than r's is KEEL_ERR_ARG; KEEL_ERR_NOMEM; a failure to record. */
keel_err keel_audit_ics_apply(keel_audit_report *r, const keel_audit_ics *ics,
                              const keel_provision *const *only, size_t n_only);

/* The template of `keel audit init`: the ICS of version v with every provision, "support" ""
 * to fill in, "detail" and "justification" "", and the read-only help members "status",
 * "condition" and "requirement"; the device's members "". A new NUL-terminated JSON text
 * (*out, *len without the NUL) the caller frees with free(). KEEL_ERR_CATALOG_VERSION,
 * KEEL_ERR_NOMEM. */
keel_err keel_audit_ics_template(keel_catalog_version v, char **out, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_AUDIT_ICS_H */
