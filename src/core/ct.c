/* Constant-time comparison. Written here rather than taken from OpenSSL's CRYPTO_memcmp
 * because the portable core builds without OpenSSL (freestanding targets).
 *
 * The differences of every byte are ORed together, eight at a time and then one at a
 * time, so the time taken depends on len only. The empty asm keeps the compiler from
 * turning the final test back into an early exit. tests/unit/core/ctgrind.c checks the
 * machine code under Valgrind. */
#include <string.h>

#include "keel/core.h"

int keel_ct_equal(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    uint64_t diff = 0;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t wx;
        uint64_t wy;
        memcpy(&wx, x + i, 8); /* unaligned-safe loads */
        memcpy(&wy, y + i, 8);
        diff |= wx ^ wy;
    }
    for (; i < len; i++)
        diff |= (uint64_t)(x[i] ^ y[i]);
#if defined(__GNUC__)
    __asm__("" : "+r"(diff));
#endif
    /* Fold to 32 bits, then map 0 -> 1 and anything else -> 0 without a branch. */
    diff |= diff >> 32;
    return (int)(1 & (((diff & 0xffffffffu) - 1) >> 32));
}
