/*
 * The catalog of test cases keel audit can run (`keel audit list`): one row per TS 103 701
 * test case, with the provision it serves, its kind, the inputs it needs and one line of what
 * it checks. It is the one place that says so: the ICS's N/A (ics_apply.c) records N/A for
 * exactly the test cases listed here, and a unit test (tests/unit/audit/test_catalog_tests.c)
 * fails when src/audit records a test case ID that is not listed, or lists one nothing records.
 * Rows live in read-only memory; nothing here allocates.
 */
#ifndef KEEL_AUDIT_CATALOG_TESTS_H
#define KEEL_AUDIT_CATALOG_TESTS_H

#include <stddef.h>

#include "audit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The versions of EN 303 645 a test case exists in (its ID may differ between them). */
#define KEEL_AUDIT_IN_V2_1_1 0x1u
#define KEEL_AUDIT_IN_V3_1_3 0x2u
#define KEEL_AUDIT_IN_BOTH (KEEL_AUDIT_IN_V2_1_1 | KEEL_AUDIT_IN_V3_1_3)

/* Inputs of a test case, as bits: a live device answering at --target, and the options of
 * `keel audit` that hand over the rest. */
#define KEEL_AUDIT_INPUT_LIVE 0x01u
#define KEEL_AUDIT_INPUT_ICS 0x02u
#define KEEL_AUDIT_INPUT_IXIT 0x04u
#define KEEL_AUDIT_INPUT_PASSWORD 0x08u
#define KEEL_AUDIT_INPUT_LABELS 0x10u
#define KEEL_AUDIT_INPUT_FIRMWARE 0x20u
#define KEEL_AUDIT_INPUT_DEVICE_DATA 0x40u
#define KEEL_AUDIT_INPUT_COUNT 7

/* At most this many IXIT members per test case. */
#define KEEL_AUDIT_TEST_IXIT_MAX 4

typedef struct keel_audit_test_case {
    const char *id;       /* "5.1-5-2": "<provision>-<n>" as TS 103 701 numbers it */
    unsigned versions;    /* KEEL_AUDIT_IN_* */
    keel_audit_kind kind; /* as the code records it */
    unsigned needs;       /* inputs without which it does not run or is INCONCLUSIVE */
    unsigned optional;    /* inputs it uses when given */
    const char *ixit[KEEL_AUDIT_TEST_IXIT_MAX]; /* the IXIT members it reads, NULL-terminated
                                                   when fewer */
    const char *checks;                         /* one line: what it checks */
} keel_audit_test_case;

/* Every row, all versions, in the standard's order of provisions. */
size_t keel_audit_test_case_count(void);
const keel_audit_test_case *keel_audit_test_case_at(size_t i); /* NULL past the end */

/* 1 when t exists in version v. */
int keel_audit_test_case_in(const keel_audit_test_case *t, keel_catalog_version v);

/* The row of test case id in version v, or NULL. */
const keel_audit_test_case *keel_audit_test_case_find(keel_catalog_version v, const char *id);

/* The provision a test case ID serves ("5.3-4A-2" -> "5.3-4A") into out. KEEL_ERR_PARSE when
 * id does not end in "-<number>", KEEL_ERR_RANGE when out is too small. */
keel_err keel_audit_test_case_provision(const char *id, char *out, size_t outsz);

/* The name of one input bit: "live device", "--ics", "--ixit", "--password", "--labels",
 * "--firmware", "--device-data"; NULL for anything else. */
const char *keel_audit_input_name(unsigned bit);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_AUDIT_CATALOG_TESTS_H */
