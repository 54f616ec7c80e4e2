/* The secure store (5.4-1, 5.4-3, 5.5-8): keel/store.h states the contract.
 *
 * File format, version 1 (all integers big-endian):
 *
 *   offset  size  field
 *        0     8  magic "KEELSTOR"
 *        8     4  format version (1)
 *       12    16  key id: HKDF-SHA-256(storage key, no salt, "keel store v1 key id"),
 *                 so that a file sealed under another device's key is told apart as
 *                 FOREIGN rather than TAMPERED
 *       28     8  generation: bound to the root of trust's counter KEEL_ROT_COUNTER_STORE
 *       36    32  salt, random for every write
 *       68    12  nonce, random for every write
 *       80     4  body length n (at most KEEL_STORE_BODY_MAX)
 *       84     n  AES-256-GCM ciphertext of the records (names and values), under the file
 *                 key HKDF-SHA-256(storage key, salt, "keel store v1 file key")
 *     84+n    16  GCM tag; the 84 header bytes are the additional authenticated data
 *
 * The records inside are described in records.c.
 *
 * Rollback protection. A write seals the records at generation g + 1, replaces the file
 * atomically, and only then raises the counter to g + 1. Open therefore accepts:
 *   generation == counter       the normal case;
 *   generation == counter + 1   the write completed but power was lost before the counter
 *                               was raised: the counter is raised now;
 * and refuses:
 *   generation <  counter       an older copy written back: KEEL_ERR_STORE_ROLLBACK;
 *   generation >  counter + 1   no write of keel's can produce it (the counter moves right
 *                               after each file), so the binding between file and counter
 *                               is broken: a counter reset or a forged file. This is
 *                               reported as KEEL_ERR_STORE_TAMPERED, never accepted, since
 *                               accepting it would let a reset counter re-open the door to
 *                               every older copy.
 * Before each write the counter is brought up to the store's generation if an earlier raise
 * failed, so the file never gets more than one generation ahead.
 *
 * The storage key is unsealed for each open and write and wiped as soon as the file is
 * sealed or opened; the store's records live in memory in a fixed-size image (the checked
 * plaintext body), wiped on close and on every failure path.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static void store_free(keel_store *s)
{
    if (s == NULL)
        return;
    keel_wipe(s, sizeof(*s));
    free(s);
}

void keel_store_close(keel_store *s)
{
    store_free(s);
}

uint64_t keel_store_generation(const keel_store *s)
{
    return s == NULL ? 0 : s->generation;
}

keel_err keel_store_get(const keel_store *s, const char *name, void *buf, size_t cap, size_t *len)
{
    const uint8_t *value = NULL;
    size_t value_len = 0;
    keel_err ret;

    if (s == NULL || name == NULL || len == NULL || (buf == NULL && cap != 0))
        return KEEL_ERR_ARG;
    *len = 0;
    if (!keel_store_name_valid(name, strlen(name)))
        return KEEL_ERR_ARG;
    ret = keel_store_records_find(s->body, s->body_len, name, &value, &value_len);
    if (ret != KEEL_OK)
        return ret;
    *len = value_len;
    if (value_len > cap)
        return KEEL_ERR_RANGE;
    if (value_len > 0)
        memcpy(buf, value, value_len);
    return KEEL_OK;
}
