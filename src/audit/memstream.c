/* Closing the memory streams the text and HTML writers render into. */
#include <stdlib.h>

#include "audit.h"

keel_err keel_audit_memstream_close(FILE *f, char **out, size_t *len)
{
    keel_err ret = ferror(f) ? KEEL_ERR_NOMEM : KEEL_OK;

    if (fclose(f) != 0)
        ret = KEEL_ERR_NOMEM;
    if (ret != KEEL_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return ret;
}
