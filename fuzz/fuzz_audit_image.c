/* Fuzz the readers of firmware images' member lists (image.h): the first byte picks GNU tar's,
 * unsquashfs's or debugfs's listing format (and the magic recognition), the rest is fed line by
 * line into one member list, as keel_audit_image_unpack feeds a tool's output. Properties beyond
 * memory safety: every accepted member keeps the counts and sums within their bounds; a refusal
 * says why; an accepted debugfs entry has a name without '/' or control bytes; the recognised
 * kind has a name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define BYTES_MAX 100000u
#define ENTRIES_MAX 50u

static void check_entry(const keel_audit_debugfs_entry *e)
{
    for (const char *p = e->name; *p != '\0'; p++) {
        if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    }
    if (e->ino != 0 && e->name[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_members m;
    char why[KEEL_AUDIT_IMAGE_WHY_MAX];
    const char *text, *end;
    unsigned mode;

    if (size == 0)
        return 0;
    mode = data[0] % 4;
    text = (const char *)data + 1;
    end = (const char *)data + size;
    if (mode == 3) {
        keel_audit_image_kind k = keel_audit_image_detect(data + 1, size - 1);
        if (keel_audit_image_kind_name(k, data + 1, size - 1) == NULL)
            abort();
        return 0;
    }
    keel_audit_members_init(&m);
    m.bytes_max = BYTES_MAX;
    m.entries_max = ENTRIES_MAX;
    while (text < end) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t len = (size_t)((nl != NULL ? nl : end) - text);
        keel_err ret;

        why[0] = '\0';
        if (mode == 0) {
            ret = keel_audit_tar_line(&m, text, len, why, sizeof(why));
        } else if (mode == 1) {
            ret = keel_audit_squashfs_line(&m, text, len, why, sizeof(why));
        } else {
            keel_audit_debugfs_entry e;
            ret = keel_audit_debugfs_line(text, len, &e, why, sizeof(why));
            if (ret == KEEL_OK)
                check_entry(&e);
        }
        if (ret != KEEL_OK && why[0] == '\0')
            abort();
        if (m.bytes > BYTES_MAX || m.entries > ENTRIES_MAX + 1 || m.special > m.entries)
            abort();
        if (ret != KEEL_OK)
            break;
        text += len + 1;
    }
    keel_audit_members_free(&m);
    return 0;
}
