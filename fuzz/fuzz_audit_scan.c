/* Fuzz the firmware scanner of 5.4-3-2 (PEM armour, DER through OpenSSL's parser, delimited
 * dictionary words) on hostile file contents. Properties beyond memory safety: every
 * finding lies inside the input, names a dictionary word that is really there, and shows a
 * key only by a 16-digit fingerprint; the count returned equals the findings reported. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

typedef struct seen {
    const uint8_t *data;
    size_t size, count;
} seen;

static void check(const char *path, const keel_audit_finding *f, void *user)
{
    seen *s = user;

    (void)path;
    s->count++;
    if (f->offset >= s->size)
        abort();
    if (f->kind == KEEL_AUDIT_FOUND_PASSWORD || f->kind == KEEL_AUDIT_FOUND_LISTED) {
        size_t n = strlen(f->what);
        if (n == 0 || f->offset + n > s->size || memcmp(s->data + f->offset, f->what, n) != 0)
            abort();
    } else if (strlen(f->fingerprint) != 16 && strcmp(f->fingerprint, "?") != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_dictionary d;
    seen s = {data, size, 0};
    size_t found = 0;

    keel_audit_dictionary_builtin(&d);
    if (keel_audit_scan_buffer(data, size, &d, "fuzz", check, &s, &found) != KEEL_OK ||
        found != s.count)
        abort();
    return 0;
}
