/* Fuzz what 5.13-1B-2 reads of the device's answers to malformed requests: the raw answer
 * reader (status line, Content-Type, body) and the error shape. The bytes are the device's,
 * sent after garbage: untrusted. Properties beyond memory safety: a status is 0 or 100-599,
 * every kept text is NUL-terminated within its buffer, an answer is complete only once its
 * header block has ended, and a shape is a short NUL-terminated text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "malformed.h"

static int has_blank_line(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 3 < size; i++) {
        if (memcmp(data + i, "\r\n\r\n", 4) == 0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    keel_audit_raw_answer a;
    char shape[96], ct[256];
    const char *text = (const char *)data;

    memset(&a, 0, sizeof(a));
    keel_audit_raw_parse(text, size, &a);
    if (a.status != 0 && (a.status < 100 || a.status > 599))
        abort();
    if (strnlen(a.content_type, sizeof(a.content_type)) >= sizeof(a.content_type) ||
        a.body_len >= sizeof(a.body) || a.body[a.body_len] != '\0')
        abort();
    if (keel_audit_raw_complete(text, size) && !has_blank_line(data, size))
        abort();
    keel_audit_error_shape(a.content_type, a.body, a.body_len, shape, sizeof(shape));
    if (strnlen(shape, sizeof(shape)) >= sizeof(shape) || shape[0] == '\0')
        abort();
    /* The whole input as a body too (the audit's client keeps up to 4 KiB of it), and its first
     * line as a Content-Type (the client keeps it as a NUL-terminated text). */
    memset(ct, 0, sizeof(ct));
    memcpy(ct, data, size < sizeof(ct) - 1 ? size : sizeof(ct) - 1);
    keel_audit_error_shape(ct, text, size, shape, sizeof(shape));
    if (strnlen(shape, sizeof(shape)) >= sizeof(shape))
        abort();
    return 0;
}
