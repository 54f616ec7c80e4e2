/* Bounded string helpers: each either produces the whole result or an empty string and
 * KEEL_ERR_RANGE. A silently truncated path or header is a security bug. */
#include <stdio.h>
#include <string.h>

#include "keel/core.h"

keel_err keel_str_copy(char *dst, size_t dstsz, const char *src)
{
    size_t n;

    if (dst == NULL || dstsz == 0 || src == NULL)
        return KEEL_ERR_ARG;
    n = strnlen(src, dstsz);
    if (n == dstsz) {
        dst[0] = '\0';
        return KEEL_ERR_RANGE;
    }
    memcpy(dst, src, n + 1);
    return KEEL_OK;
}

keel_err keel_str_format(char *dst, size_t dstsz, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (dst == NULL || dstsz == 0 || fmt == NULL)
        return KEEL_ERR_ARG;
    va_start(ap, fmt);
    n = vsnprintf(dst, dstsz, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= dstsz) {
        dst[0] = '\0';
        return KEEL_ERR_RANGE;
    }
    return KEEL_OK;
}

keel_err keel_str_to_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || out == NULL || *s == '\0' || min > max)
        return KEEL_ERR_ARG;
    for (const char *p = s; *p != '\0'; p++) {
        unsigned d;
        if (*p < '0' || *p > '9')
            return KEEL_ERR_PARSE;
        d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return KEEL_ERR_RANGE;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return KEEL_ERR_RANGE;
    *out = v;
    return KEEL_OK;
}

keel_err keel_hex_encode(const void *in, size_t len, char *out, size_t outsz)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = in;

    if ((in == NULL && len != 0) || out == NULL)
        return KEEL_ERR_ARG;
    if (outsz == 0 || len > (outsz - 1) / 2)
        return KEEL_ERR_RANGE;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return KEEL_OK;
}
