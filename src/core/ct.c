/* Constant-time comparison. Written here rather than taken from OpenSSL's CRYPTO_memcmp
 * because the portable core builds without OpenSSL (freestanding targets). */
#include "keel/core.h"

int keel_ct_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    uint8_t diff = 0;

    for (size_t i = 0; i < len; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    /* Map 0 -> 1 and 1..255 -> 0 without a branch on diff. */
    return (int)(1 & (((uint32_t)diff - 1) >> 8));
}
