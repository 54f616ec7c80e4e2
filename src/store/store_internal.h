/* Private to the store module: the file format (format.c), the record table (records.c) and
 * the key derivation (kdf.c). Factored out of store.c so that the parser can be driven with
 * a fixed key by the fuzzer and the tests, without a root of trust. */
#ifndef KEEL_STORE_INTERNAL_H
#define KEEL_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "keel/core.h"
#include "keel/rot.h"
#include "keel/store.h"

#define KEEL_STORE_MAGIC_LEN 8 /* "KEELSTOR" */
#define KEEL_STORE_FILE_MAX ((size_t)KEEL_STORE_MAX_BYTES)
#define KEEL_STORE_VERSION 1u
#define KEEL_STORE_KEY_ID_LEN 16
#define KEEL_STORE_SALT_LEN 32
#define KEEL_STORE_NONCE_LEN 12
#define KEEL_STORE_TAG_LEN 16
/* magic, version, key id, generation, salt, nonce, body length */
#define KEEL_STORE_HEADER_LEN                                                                      \
    (KEEL_STORE_MAGIC_LEN + 4 + KEEL_STORE_KEY_ID_LEN + 8 + KEEL_STORE_SALT_LEN +                  \
     KEEL_STORE_NONCE_LEN + 4)
/* The largest plaintext body that keeps the whole file within KEEL_STORE_MAX_BYTES. */
#define KEEL_STORE_BODY_MAX (KEEL_STORE_FILE_MAX - KEEL_STORE_HEADER_LEN - KEEL_STORE_TAG_LEN)

/* kdf.c: HKDF-SHA-256 of the storage key. The key id names the storage key without
 * revealing it; the file key is fresh for every salt. */
KEEL_MUST_CHECK keel_err keel_store_key_id(const uint8_t key[KEEL_ROT_KEY_LEN],
                                           uint8_t id[KEEL_STORE_KEY_ID_LEN]);
KEEL_MUST_CHECK keel_err keel_store_file_key(const uint8_t key[KEEL_ROT_KEY_LEN],
                                             const uint8_t salt[KEEL_STORE_SALT_LEN],
                                             uint8_t file_key[KEEL_ROT_KEY_LEN]);

/* format.c: seal body (body_len <= KEEL_STORE_BODY_MAX) at generation gen into out (cap
 * bytes), its size into *out_len. A fresh salt and nonce are drawn for every call. */
KEEL_MUST_CHECK keel_err keel_store_encode(const uint8_t key[KEEL_ROT_KEY_LEN], uint64_t gen,
                                           const uint8_t *body, size_t body_len, uint8_t *out,
                                           size_t cap, size_t *out_len);

/* format.c: verify and open the len bytes of a store file under key. On success the
 * checked record body is in body (cap >= KEEL_STORE_BODY_MAX), its length in *body_len and
 * the generation in *gen. On failure body is wiped, *why says what is wrong (a static
 * string) and the error is KEEL_ERR_STORE_TRUNCATED, _FOREIGN or _TAMPERED (or
 * KEEL_ERR_CRYPTO when OpenSSL itself fails). */
KEEL_MUST_CHECK keel_err keel_store_decode(const uint8_t *file, size_t len,
                                           const uint8_t key[KEEL_ROT_KEY_LEN], uint8_t *body,
                                           size_t cap, size_t *body_len, uint64_t *gen,
                                           const char **why);

/* records.c: the plaintext body is a u16 record count, then per record a u8 name length,
 * the name, a u16 value length and the value (big-endian). */

/* 1 if name is 1..KEEL_STORE_NAME_MAX bytes of [a-z0-9._-]. */
int keel_store_name_valid(const char *name, size_t len);

/* KEEL_OK if body is well formed: count within KEEL_STORE_MAX_RECORDS, valid names, values
 * within KEEL_STORE_VALUE_MAX, no name twice, nothing left over; KEEL_ERR_PARSE otherwise. */
KEEL_MUST_CHECK keel_err keel_store_records_check(const uint8_t *body, size_t len);

/* Find name in a checked body: its value's position and length. KEEL_ERR_NOT_FOUND. */
KEEL_MUST_CHECK keel_err keel_store_records_find(const uint8_t *body, size_t len, const char *name,
                                                 const uint8_t **value, size_t *value_len);

/* Build into out (cap bytes) the checked body with name set to value (value NULL: name
 * removed). KEEL_ERR_TOO_LARGE past KEEL_STORE_MAX_RECORDS or cap. */
KEEL_MUST_CHECK keel_err keel_store_records_set(const uint8_t *body, size_t len, const char *name,
                                                const uint8_t *value, size_t value_len,
                                                uint8_t *out, size_t cap, size_t *out_len);

/* records.c: build into out (cap bytes) the checked body with only the records whose names
 * are among the n names of keep; how many were left out into *removed. */
KEEL_MUST_CHECK keel_err keel_store_records_keep(const uint8_t *body, size_t len,
                                                 const char *const *keep, size_t n, uint8_t *out,
                                                 size_t cap, size_t *out_len, size_t *removed);

#define KEEL_STORE_PATH_MAX 4096

/* The open store: its records as the checked plaintext body, and room for the next write. */
struct keel_store {
    keel_rot *rot;
    uint64_t generation;
    size_t body_len;
    char path[KEEL_STORE_PATH_MAX];
    uint8_t body[KEEL_STORE_BODY_MAX];    /* the checked records */
    uint8_t scratch[KEEL_STORE_BODY_MAX]; /* the records of a write in progress */
    uint8_t file[KEEL_STORE_FILE_MAX];    /* the sealed file of a write in progress */
};

/* write.c: unseal the storage key, seal body at generation gen into file (cap bytes, wiped
 * afterwards) and replace path atomically. Failures are logged with the path. */
KEEL_MUST_CHECK keel_err keel_store_seal_write(keel_rot *rot, const char *path, uint64_t gen,
                                               const uint8_t *body, size_t body_len, uint8_t *file,
                                               size_t cap);

/* write.c: the store's counter, read or raised by one; failures are logged with the path. */
KEEL_MUST_CHECK keel_err keel_store_counter_read(keel_rot *rot, const char *path, uint64_t *value);
KEEL_MUST_CHECK keel_err keel_store_counter_raise(keel_rot *rot, const char *path, uint64_t *value);

/* leftovers.c: remove the temporaries "<path>.tmp-<hex>" that interrupted writes left. */
void keel_store_remove_leftovers(const char *path);

#endif /* KEEL_STORE_INTERNAL_H */
