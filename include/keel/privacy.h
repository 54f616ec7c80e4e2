/*
 * keel privacy: personal data at rest and its erasure (5.11-1, 6-6).
 *
 * - Sealing: a personal datum kept on flash (a PIN holder's name, who opened the door) is
 *   sealed with AES-256-GCM under a key the device keeps in its secure store (keel/store.h),
 *   with a fresh random 96-bit nonce per value. The additional data is the field's context
 *   ("lock.pins.name"), so a sealed value moved to another field fails to open. Destroying
 *   the key erases every sealed value at once, wherever flash still holds its bytes
 *   (crypto-erase).
 *   Format: 0x01 (version) | nonce (12) | ciphertext (len) | tag (16).
 * - Erasing a file: its bytes are overwritten with zeros and flushed before it is unlinked,
 *   so that at least the file system's live blocks no longer hold the data. Flash
 *   translation layers may keep older copies: only sealing makes those unreadable.
 *
 * Functions return keel_err; NULL where the contract forbids it is KEEL_ERR_ARG.
 */
#ifndef KEEL_PRIVACY_H
#define KEEL_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_PRIVACY_KEY_LEN 32
#define KEEL_PRIVACY_NONCE_LEN 12
#define KEEL_PRIVACY_TAG_LEN 16
#define KEEL_PRIVACY_SEAL_OVERHEAD (1 + KEEL_PRIVACY_NONCE_LEN + KEEL_PRIVACY_TAG_LEN)
#define KEEL_PRIVACY_VALUE_MAX 4096 /* the longest plaintext sealed */
#define KEEL_PRIVACY_CONTEXT_MAX 64 /* the longest context, [a-z0-9._-] */

/* A new random key from the CSPRNG (KEEL_ERR_RANDOM). */
keel_err keel_privacy_key_new(uint8_t key[KEEL_PRIVACY_KEY_LEN]);

/* Seal len bytes (0..KEEL_PRIVACY_VALUE_MAX) under key for context into out, which must
 * hold len + KEEL_PRIVACY_SEAL_OVERHEAD bytes (KEEL_ERR_RANGE); the sealed length into
 * *outlen. KEEL_ERR_TOO_LARGE past KEEL_PRIVACY_VALUE_MAX, KEEL_ERR_ARG for a bad context,
 * KEEL_ERR_RANDOM, KEEL_ERR_CRYPTO. */
keel_err keel_privacy_seal(const uint8_t key[KEEL_PRIVACY_KEY_LEN], const char *context,
                           const void *in, size_t len, uint8_t *out, size_t outsz, size_t *outlen);

/* Open a sealed value (untrusted bytes) into out (outsz bytes; len - overhead needed, else
 * KEEL_ERR_RANGE), the plaintext length into *outlen. KEEL_ERR_PARSE for a value too short or
 * of an unknown version, KEEL_ERR_CRYPTO when it fails authentication (another key, another
 * context, altered bytes); out is wiped on every failure. A value longer than any seal makes
 * (past KEEL_PRIVACY_VALUE_MAX of plaintext) is KEEL_ERR_PARSE too. */
KEEL_MUST_CHECK keel_err keel_privacy_open(const uint8_t key[KEEL_PRIVACY_KEY_LEN],
                                           const char *context, const uint8_t *in, size_t len,
                                           void *out, size_t outsz, size_t *outlen);

/* Overwrite the regular file at path with zeros (its whole length), fsync it, unlink it and
 * fsync its directory. KEEL_ERR_NOT_FOUND when it does not exist (nothing to erase),
 * KEEL_ERR_PERM when path is not a regular file (a symbolic link is never followed),
 * KEEL_ERR_IO when a step fails (the error names the step in the log). */
keel_err keel_privacy_erase_file(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_PRIVACY_H */
