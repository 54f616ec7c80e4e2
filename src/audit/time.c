/* Report dates: RFC 3339 in UTC, so that reports made in different laboratories compare. */
#include <time.h>

#include "audit.h"

keel_err keel_audit_format_time(time_t t, char *out, size_t outsz)
{
    struct tm tm;

    if (out == NULL || outsz == 0)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    if (gmtime_r(&t, &tm) == NULL)
        return KEEL_ERR_RANGE;
    if (strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        out[0] = '\0';
        return KEEL_ERR_RANGE;
    }
    return KEEL_OK;
}
