/* Target versions ("1.4.2"): what the owner sees and how the agent picks the newest target.
 * The anti-rollback decision (5.3-2) rests on the signed security version, not on these
 * strings; they only order targets of the same hardware. */
#include <string.h>

#include "meta_private.h"

#define PARTS 4
#define PART_DIGITS 9

/* The numbers of version into parts (missing ones 0); 0 when it is not a version. */
static int split(const char *version, uint32_t parts[PARTS])
{
    size_t n;
    size_t nparts = 0;
    size_t ndigits = 0;

    memset(parts, 0, PARTS * sizeof(parts[0]));
    if (version == NULL)
        return 0;
    n = strnlen(version, KEEL_UPDATE_VERSION_MAX);
    if (n == 0 || n >= KEEL_UPDATE_VERSION_MAX)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        char c = version[i];

        if (c >= '0' && c <= '9') {
            if (++ndigits > PART_DIGITS)
                return 0;
            parts[nparts] = parts[nparts] * 10 + (uint32_t)(c - '0');
        } else if ((c == '.' || c == '\0') && ndigits > 0) {
            ndigits = 0;
            if (++nparts == PARTS && c == '.')
                return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

keel_err keel_update_version_check(const char *version)
{
    uint32_t parts[PARTS];

    if (version == NULL)
        return KEEL_ERR_ARG;
    return split(version, parts) ? KEEL_OK : KEEL_ERR_PARSE;
}

int keel_update_version_compare(const char *a, const char *b)
{
    uint32_t pa[PARTS];
    uint32_t pb[PARTS];
    int va = split(a, pa);
    int vb = split(b, pb);

    if (va != vb)
        return va ? 1 : -1;
    if (!va)
        return 0;
    for (size_t i = 0; i < PARTS; i++) {
        if (pa[i] != pb[i])
            return pa[i] < pb[i] ? -1 : 1;
    }
    return 0;
}
