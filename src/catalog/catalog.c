/* Look-ups in the generated provision tables (catalog_data.h). Linear scans: a version has
 * fewer than a hundred provisions and a few lines of headings, and the tables stay in the
 * standard's order, which is what reports (4-1 / 5.0-1) list them in. */
#include <string.h>

#include "catalog_data.h"

static const keel_catalog_table *table_of(keel_catalog_version v)
{
    if ((unsigned)v >= KEEL_CATALOG_VERSIONS)
        return NULL;
    return &keel_catalog_tables[v];
}

size_t keel_catalog_count(keel_catalog_version v)
{
    const keel_catalog_table *t = table_of(v);

    return t != NULL ? t->count : 0;
}

const keel_provision *keel_catalog_at(keel_catalog_version v, size_t i)
{
    const keel_catalog_table *t = table_of(v);

    if (t == NULL || i >= t->count)
        return NULL;
    return &t->provisions[i];
}

const keel_provision *keel_catalog_find(keel_catalog_version v, const char *id)
{
    const keel_catalog_table *t = table_of(v);

    if (t == NULL || id == NULL)
        return NULL;
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->provisions[i].id, id) == 0)
            return &t->provisions[i];
    }
    return NULL;
}

const char *keel_catalog_section_title(keel_catalog_version v, const char *section)
{
    const keel_catalog_table *t = table_of(v);

    if (t == NULL || section == NULL)
        return NULL;
    for (size_t i = 0; i < t->heading_count; i++) {
        if (strcmp(t->headings[i].section, section) == 0)
            return t->headings[i].title;
    }
    return NULL;
}
