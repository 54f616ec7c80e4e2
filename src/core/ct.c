/* Constant-time comparison. Written here rather than taken from OpenSSL's CRYPTO_memcmp
 * because the portable core builds without OpenSSL (freestanding targets).
 *
 * The loop ORs the differences of every byte, so its length depends only on len; the
 * compiler may vectorise it. The empty asm keeps it from turning the final test back into
 * an early exit. tests/unit/core/ctgrind.c checks the machine code under Valgrind. */
#include "keel/core.h"

int keel_ct_equal(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    uint32_t diff = 0;

    for (size_t i = 0; i < len; i++)
        diff |= (uint32_t)(x[i] ^ y[i]);
#if defined(__GNUC__)
    __asm__("" : "+r"(diff));
#endif
    /* diff is 0..255: map 0 -> 1 and 1..255 -> 0 without a branch. */
    return (int)(1 & ((diff - 1) >> 8));
}
