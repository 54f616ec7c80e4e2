/* Version names of EN 303 645. Kept apart from the tables so that keel-catalog-gen, which
 * makes the tables, can map the version column of sections.tsv to the enum as well. */
#include <string.h>

#include "keel/catalog.h"

static const char *const names[] = {
    [KEEL_EN303645_V2_1_1] = "2.1.1",
    [KEEL_EN303645_V3_1_3] = "3.1.3",
};

#define NAME_COUNT (sizeof(names) / sizeof(names[0]))

keel_err keel_catalog_version_parse(const char *text, keel_catalog_version *out)
{
    if (text == NULL || out == NULL)
        return KEEL_ERR_ARG;
    /* The standard's own spelling is "V3.1.3". */
    if (text[0] == 'V' || text[0] == 'v')
        text++;
    for (size_t i = 0; i < NAME_COUNT; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (keel_catalog_version)i;
            return KEEL_OK;
        }
    }
    return KEEL_ERR_CATALOG_VERSION;
}

const char *keel_catalog_version_name(keel_catalog_version v)
{
    if ((unsigned)v >= NAME_COUNT)
        return NULL;
    return names[v];
}
