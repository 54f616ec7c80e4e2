/*
 * The provisions of ETSI EN 303 645 V2.1.1 and V3.1.3 as data (4-1 / 5.0-1: the report
 * must account for every provision). The table is generated at build time from
 * data/en303645/v<version>.tsv and lives in read-only memory; nothing here allocates.
 */
#ifndef KEEL_CATALOG_H
#define KEEL_CATALOG_H

#include <stddef.h>

#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum keel_catalog_version {
    KEEL_EN303645_V2_1_1 = 0,
    KEEL_EN303645_V3_1_3 = 1
} keel_catalog_version;

#define KEEL_CATALOG_DEFAULT KEEL_EN303645_V3_1_3

typedef struct keel_provision {
    const char *id;          /* "5.1-1", "5.3-4A", "6-1", "4-1" */
    const char *section;     /* the clause it belongs to: "5.1", "6", "4" */
    const char *status;      /* as printed in Table B.1: "M", "R C (3)", "M F (a)" */
    int mandatory;           /* 1 when status starts with M, 0 when with R */
    const char *condition;   /* the condition or feature, "" when unconditional */
    const char *requirement; /* a short paraphrase in keel's own words */
} keel_provision;

/* "2.1.1" or "3.1.3" (a leading "V" or "v" is accepted); else KEEL_ERR_CATALOG_VERSION. */
keel_err keel_catalog_version_parse(const char *text, keel_catalog_version *out);

/* "2.1.1" or "3.1.3"; NULL for an unknown value. */
const char *keel_catalog_version_name(keel_catalog_version v);

/* The number of provisions of v (0 for an unknown value), and the i-th of them in the
 * standard's order (NULL when i is out of range). */
size_t keel_catalog_count(keel_catalog_version v);
const keel_provision *keel_catalog_at(keel_catalog_version v, size_t i);

/* The provision with this exact ID, or NULL. */
const keel_provision *keel_catalog_find(keel_catalog_version v, const char *id);

/* The clause heading of a section ("5.1" -> "No universal default passwords"), or NULL. */
const char *keel_catalog_section_title(keel_catalog_version v, const char *section);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_CATALOG_H */
