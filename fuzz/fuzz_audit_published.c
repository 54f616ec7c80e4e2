/* Fuzz the label reader of 5.3-13-2 and 5.3-16-2 (a label file is the maker's output, read as
 * untrusted text) and the comparison of published values. Properties beyond memory safety: a
 * value found is non-empty, without control characters, and fits its buffer; a date is the
 * same as itself only when it is one. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static void check_value(const uint8_t *data, size_t size, const char *key)
{
    char out[KEEL_AUDIT_IXIT_NAME_MAX + 16];
    keel_err err = keel_audit_label_value(data, size, key, out, sizeof(out));
    size_t n = strnlen(out, sizeof(out));
    int64_t t;

    if (n >= sizeof(out))
        abort();
    if (err != KEEL_OK) {
        if (n != 0)
            abort();
        return;
    }
    if (n == 0)
        abort();
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            abort();
    }
    if (keel_audit_published_same(1, out, out) != (keel_audit_date_parse(out, n, &t) == KEEL_OK))
        abort();
    if (!keel_audit_published_same(0, out, out))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_value(data, size, "model");
    check_value(data, size, "support until");
    return 0;
}
