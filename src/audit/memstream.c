/* Opening and closing the memory streams the text, HTML, Markdown and JUnit writers render
 * into. */
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

keel_err keel_audit_render_open(const keel_audit_report *r, char *when, size_t whensz,
                                const char **sections, size_t *n, char **out, size_t *len, FILE **f)
{
    keel_err ret;

    if (r == NULL || when == NULL || sections == NULL || n == NULL || out == NULL || len == NULL ||
        f == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    *len = 0;
    *f = NULL;
    ret = keel_audit_format_time(r->generated, when, whensz);
    if (ret == KEEL_OK)
        ret = keel_audit_sections(r, sections, KEEL_AUDIT_SECTIONS_MAX, n);
    if (ret != KEEL_OK)
        return ret;
    *f = open_memstream(out, len);
    return *f != NULL ? KEEL_OK : KEEL_ERR_NOMEM;
}
