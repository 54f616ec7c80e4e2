/*
 * keel store: the authenticated, encrypted, rollback-protected store for the device's
 * sensitive security parameters (5.4-1, 5.4-3, 5.5-8): password hashes, brute-force
 * counters, session secrets, keys made after the factory.
 *
 * - Confidential and authentic: names and values are encrypted together with AES-256-GCM
 *   under a key derived (HKDF-SHA-256, fresh random salt per write) from the root of trust's
 *   storage key, so no (key, nonce) pair is ever used twice, not even across crashes.
 * - Rollback-protected: each write raises the file's generation, bound to the root of
 *   trust's monotonic counter KEEL_ROT_COUNTER_STORE. An older copy of the file written
 *   back is refused.
 * - Atomic: a crash or power cut at any point leaves the old or the new store, never a
 *   broken one (keel_file_write_atomic, then the counter; on open a file one generation
 *   ahead of the counter is the completed write of a crash, and the counter is raised).
 * - Fail closed: a tampered, truncated or foreign file, or one older than the counter, is
 *   refused with an error naming the store's path and what is wrong; it is never reset or
 *   recreated silently.
 *
 * The whole store lives in memory while open (it holds a few KiB of parameters, bounded by
 * KEEL_STORE_MAX_BYTES); each put or delete rewrites the file.
 */
#ifndef KEEL_STORE_H
#define KEEL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "keel/core.h"
#include "keel/rot.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_STORE_NAME_MAX 64           /* bytes of a record name, [a-z0-9._-] */
#define KEEL_STORE_VALUE_MAX 4096        /* bytes of one value */
#define KEEL_STORE_MAX_BYTES (64 * 1024) /* the whole file */
#define KEEL_STORE_MAX_RECORDS 256

typedef struct keel_store keel_store; /* opaque; keel_store_open / keel_store_close */

/* Factory: write a new, empty store at path (generation = the counter's value + 1, then the
 * counter is raised to it). KEEL_ERR_EXISTS if path exists: a store is never overwritten. */
KEEL_MUST_CHECK keel_err keel_store_create(const char *path, keel_rot *rot);

/* Open and verify the store at path. The root of trust must stay open until
 * keel_store_close. Errors (each logged once with the path and the reason):
 * KEEL_ERR_NOT_FOUND, KEEL_ERR_STORE_TRUNCATED, KEEL_ERR_STORE_FOREIGN (made under another
 * device's storage key or not a keel store), KEEL_ERR_STORE_TAMPERED (authentication
 * failed), KEEL_ERR_STORE_ROLLBACK (older than the counter), KEEL_ERR_TOO_LARGE. */
KEEL_MUST_CHECK keel_err keel_store_open(const char *path, keel_rot *rot, keel_store **out);

/* Wipe everything held in memory and free. NULL is a no-op. */
void keel_store_close(keel_store *s);

/* Copy the value of name into buf (cap bytes), its length into *len. KEEL_ERR_NOT_FOUND,
 * KEEL_ERR_RANGE when buf is too small (*len then says how much is needed). */
KEEL_MUST_CHECK keel_err keel_store_get(const keel_store *s, const char *name, void *buf,
                                        size_t cap, size_t *len);

/* Set name to value and persist before returning. KEEL_ERR_ARG for a bad name,
 * KEEL_ERR_TOO_LARGE beyond the limits above, KEEL_ERR_IO if the write failed (the store
 * in memory and on flash then keep the old value). If the file was written but the root of
 * trust's counter could not be raised, the root of trust's error is returned and the new
 * value stands, in memory and on flash (the counter is raised by the next open or write).
 * KEEL_ERR_STORE_ROLLBACK if the counter is already past this store (written elsewhere). */
KEEL_MUST_CHECK keel_err keel_store_put(keel_store *s, const char *name, const void *value,
                                        size_t len);

/* Remove name and persist. KEEL_ERR_NOT_FOUND if it was absent. */
KEEL_MUST_CHECK keel_err keel_store_delete(keel_store *s, const char *name);

/* Factory reset of the store (5.11-1): remove, in one write, every record whose name is not
 * among the n names of keep (the records the factory wrote), so that every key and
 * parameter made after the factory is gone from the file; the number removed into *removed
 * (may be NULL). Nothing to remove is KEEL_OK without a write. Errors as keel_store_put; on
 * an error the store in memory and on flash keep every record. */
KEEL_MUST_CHECK keel_err keel_store_retain(keel_store *s, const char *const *keep, size_t n,
                                           size_t *removed);

/* The generation of the open store (how many writes it has seen). */
uint64_t keel_store_generation(const keel_store *s);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_STORE_H */
