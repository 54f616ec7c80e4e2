/* keel_privacy_open (src/privacy/seal.c) on arbitrary bytes under a fixed key: it must never
 * crash or read out of bounds, must wipe its output whenever it refuses, and may accept only
 * an authentic value: whatever opens must re-seal and open to the same plaintext, and the
 * same bytes with one bit flipped, or opened under another context, must be refused. The
 * first input byte chooses the context (the lock's three sealed fields); the rest is the
 * sealed value. The seeds in corpus/privacy_open/ were sealed under this key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel/privacy.h"

static const uint8_t key[KEEL_PRIVACY_KEY_LEN] = {
    0x6b, 0x65, 0x65, 0x6c, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x70, 0x72, 0x69, 0x76, 0x61, 0x63,
    0x79, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74};

static const char *const contexts[] = {"lock.pins.name", "lock.log.who", "lock.sync.who"};

static uint8_t out[KEEL_PRIVACY_VALUE_MAX];
static uint8_t again[KEEL_PRIVACY_VALUE_MAX];
static uint8_t resealed[KEEL_PRIVACY_VALUE_MAX + KEEL_PRIVACY_SEAL_OVERHEAD];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_wiped(void)
{
    for (size_t i = 0; i < sizeof(out); i++) {
        if (out[i] != 0)
            abort();
    }
}

static void check_accepted(const char *context, const uint8_t *in, size_t size, size_t len)
{
    size_t n = 0;
    size_t len2 = 0;
    uint8_t *copy;

    if (size != len + KEEL_PRIVACY_SEAL_OVERHEAD)
        abort();
    if (keel_privacy_seal(key, context, out, len, resealed, sizeof(resealed), &n) != KEEL_OK ||
        keel_privacy_open(key, context, resealed, n, again, sizeof(again), &len2) != KEEL_OK ||
        len2 != len || memcmp(again, out, len) != 0)
        abort();
    copy = malloc(size);
    if (copy == NULL)
        return;
    memcpy(copy, in, size);
    copy[(len * 7 + 3) % size] ^= (uint8_t)(1u << (len % 8));
    if (keel_privacy_open(key, context, copy, size, again, sizeof(again), &len2) == KEEL_OK)
        abort();
    free(copy);
    if (keel_privacy_open(key, context == contexts[0] ? contexts[1] : contexts[0], in, size, again,
                          sizeof(again), &len2) == KEEL_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *context;
    size_t len = 0;

    if (size == 0)
        return 0;
    context = contexts[data[0] % 3];
    memset(out, 0x5a, sizeof(out));
    if (keel_privacy_open(key, context, data + 1, size - 1, out, sizeof(out), &len) == KEEL_OK)
        check_accepted(context, data + 1, size - 1, len);
    else if (len != 0)
        abort();
    else
        check_wiped();
    return 0;
}
