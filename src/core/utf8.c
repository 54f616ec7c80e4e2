/* UTF-8 validation (RFC 3629), shared by every reader of untrusted text. */
#include "keel/core.h"

size_t keel_utf8_next(const void *text, size_t n, uint32_t *cp)
{
    const uint8_t *p = text;
    size_t len;
    uint32_t c;
    uint32_t min;

    if (p == NULL || n == 0)
        return 0;
    if (p[0] < 0x80) {
        len = 1, c = p[0], min = 0;
    } else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2, c = p[0] & 0x1fu, min = 0x80;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3, c = p[0] & 0x0fu, min = 0x800;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4, c = p[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    if (cp != NULL)
        *cp = c;
    return len;
}
