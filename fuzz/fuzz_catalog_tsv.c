/*
 * The catalog's TSV reader on arbitrary bytes: as a provisions file, as a sections file, and
 * the cross-checks between them. The input is handed over with its length only (libFuzzer's
 * buffer has no NUL after it), so any read past the end shows under AddressSanitizer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tsv.h"

#define ROWS 64

static void check_error(keel_err ret, const keel_catalog_tsv_error *err, size_t len)
{
    /* Every refusal names a line inside the input (or the one after its end) and a reason. */
    if (ret == KEEL_ERR_PARSE || ret == KEEL_ERR_RANGE) {
        if (err->line == 0 || err->line > len + 1 || err->reason[0] == '\0' ||
            memchr(err->reason, '\0', sizeof(err->reason)) == NULL)
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static keel_catalog_tsv_provision rows[ROWS];
    static keel_catalog_tsv_section sections[ROWS];
    const char *buf = (const char *)data;
    keel_catalog_tsv_error err;
    size_t n = 0, ns = 0;
    keel_err ret, sret;

    ret = keel_catalog_tsv_provisions(buf, size, rows, ROWS, &n, &err);
    check_error(ret, &err, size);
    sret = keel_catalog_tsv_sections(buf, size, sections, ROWS, &ns, &err);
    check_error(sret, &err, size);
    if (ret == KEEL_OK) {
        for (size_t i = 0; i < n; i++) {
            /* Spans stay inside the input. */
            if (rows[i].id.ptr < buf ||
                rows[i].requirement.ptr + rows[i].requirement.len > buf + size)
                __builtin_trap();
        }
        (void)keel_catalog_tsv_check_headings("3.1.3", rows, n, sections, ns, &err);
        (void)keel_catalog_tsv_check_used("3.1.3", rows, n, sections, ns, &err);
    }
    return 0;
}
