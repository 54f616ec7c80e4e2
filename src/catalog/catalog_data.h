/*
 * The tables behind include/keel/catalog.h. keel-catalog-gen writes their definition
 * (catalog_data.c in the build tree) from data/en303645/v<version>.tsv; everything is const, so it
 * lives in read-only memory and nothing is allocated at run time.
 */
#ifndef KEEL_CATALOG_DATA_H
#define KEEL_CATALOG_DATA_H

#include <stddef.h>

#include "keel/catalog.h"

typedef struct keel_catalog_heading {
    const char *section; /* "5.1" */
    const char *title;   /* "No universal default passwords" */
} keel_catalog_heading;

typedef struct keel_catalog_table {
    const keel_provision *provisions;
    size_t count;
    const keel_catalog_heading *headings;
    size_t heading_count;
} keel_catalog_table;

/* Indexed by keel_catalog_version. */
#define KEEL_CATALOG_VERSIONS 2
extern const keel_catalog_table keel_catalog_tables[KEEL_CATALOG_VERSIONS];

#endif /* KEEL_CATALOG_DATA_H */
