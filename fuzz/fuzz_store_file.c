/* The store file parser (src/store/format.c) on arbitrary bytes, under a fixed storage key.
 * It must never crash or read out of bounds; and nothing but an authentic file may be
 * accepted: whatever it accepts must re-seal and re-open to the same records, and the same
 * bytes with any one of them changed must be refused. The seeds in corpus/store_file/ were
 * sealed under this key (a few records, an empty store, damaged headers). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static const uint8_t key[KEEL_ROT_KEY_LEN] = {
    0x6b, 0x65, 0x65, 0x6c, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x2d,
    0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x21, 0x00};

static uint8_t body[KEEL_STORE_BODY_MAX];
static uint8_t again[KEEL_STORE_BODY_MAX];
static uint8_t file[KEEL_STORE_MAX_BYTES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What was accepted is an authentic store: re-sealed it opens to the same records, and
 * changing one byte of the input makes it refused. */
static void check_accepted(const uint8_t *data, size_t size, size_t body_len, uint64_t gen)
{
    const char *why = "";
    size_t file_len = 0;
    size_t again_len = 0;
    uint64_t gen2 = 0;
    uint8_t *copy;

    if (size != KEEL_STORE_HEADER_LEN + body_len + KEEL_STORE_TAG_LEN)
        abort();
    if (keel_store_encode(key, gen, body, body_len, file, sizeof(file), &file_len) != KEEL_OK ||
        keel_store_decode(file, file_len, key, again, sizeof(again), &again_len, &gen2, &why) !=
            KEEL_OK ||
        again_len != body_len || gen2 != gen || memcmp(again, body, body_len) != 0)
        abort();
    copy = malloc(size);
    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    copy[(size_t)gen % size] ^= 0x80;
    if (keel_store_decode(copy, size, key, again, sizeof(again), &again_len, &gen2, &why) ==
        KEEL_OK)
        abort();
    free(copy);
}

/* The record parser on raw bytes too: behind the tag it is otherwise unreachable to a
 * fuzzer, yet it must hold even against a body sealed with a leaked key. */
static void check_records(const uint8_t *data, size_t size)
{
    const uint8_t *value = NULL;
    size_t value_len = 0;

    if (keel_store_records_check(data, size) != KEEL_OK)
        return;
    if (keel_store_records_find(data, size, "pw.hash", &value, &value_len) == KEEL_OK &&
        (value < data || value + value_len > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    size_t body_len = 0;
    uint64_t gen = 0;
    keel_err ret;

    if (size > KEEL_STORE_MAX_BYTES)
        return 0; /* keel_file_read refuses these before the parser sees them */
    check_records(data, size);
    ret = keel_store_decode(data, size, key, body, sizeof(body), &body_len, &gen, &why);
    if (ret == KEEL_OK) {
        check_accepted(data, size, body_len, gen);
        return 0;
    }
    if (why == NULL || *why == '\0' ||
        (ret != KEEL_ERR_STORE_TRUNCATED && ret != KEEL_ERR_STORE_FOREIGN &&
         ret != KEEL_ERR_STORE_TAMPERED))
        abort();
    return 0;
}
