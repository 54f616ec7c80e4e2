/* Fuzz the hard-coded secret scan of 5.4-3-2 (scan_secrets.c) on hostile file contents.
 * Properties beyond memory safety: every finding's value lies inside the input, is 1-512 bytes
 * (a token shape's or a URL's may be longer only up to the shapes' bounds), shows a 16-digit
 * fingerprint and never the value itself; the count equals the findings reported; the scan
 * is deterministic for one fingerprint key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

typedef struct seen {
    const uint8_t *data;
    size_t size, count;
    uint64_t sum; /* of offsets and lengths, to compare two runs */
} seen;

static void check(const char *path, const keel_audit_finding *f, void *user)
{
    seen *s = user;

    (void)path;
    s->count++;
    s->sum += f->offset * 31 + f->length;
    if (f->kind != KEEL_AUDIT_FOUND_SECRET || f->length == 0 || f->length > 16384 ||
        f->offset > s->size || f->length > s->size - f->offset || strlen(f->fingerprint) != 16 ||
        f->what[0] == '\0' || f->context[0] == '\0' || !(f->entropy >= 0.0 && f->entropy <= 8.0))
        abort();
    /* the key's name may hold a part of the value only if the input has it twice: check the
     * value is not the whole name when it is longer than a few bytes */
    if (f->length >= 8 && strlen(f->what) == f->length &&
        memcmp(f->what, s->data + f->offset, f->length) == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t key[32] = {7};
    keel_audit_dictionary d;
    seen a = {data, size, 0, 0}, b = {data, size, 0, 0};
    keel_audit_scan_sink sa = {.path = "fuzz", .fn = check, .user = &a, .fp_key = key};
    keel_audit_scan_sink sb = {.path = "fuzz", .fn = check, .user = &b, .fp_key = key};

    keel_audit_dictionary_builtin(&d);
    keel_audit_scan_secrets(data, size, &d, &sa);
    keel_audit_scan_secrets(data, size, NULL, &sb);
    if (sa.secrets != a.count || sb.secrets != b.count || a.count > b.count)
        abort();
    return 0;
}
