/*
 * keel rot: the device's root of trust (5.4-1, 5.4-2; anti-rollback for 5.3 and the store).
 *
 * One interface for what the hardware gives:
 *   - a storage key, made inside the root of trust and kept only in sealed form on flash;
 *   - monotonic counters that can only go up;
 *   - the device identity key, which signs without ever leaving the root of trust and is
 *     handed to OpenSSL as an EVP_PKEY (TLS client authentication, certificate requests).
 *
 * Backends, chosen at run time by a spec string:
 *   "tpm2:TCTI"  a TPM 2.0 through tpm2-tss; TCTI as tpm2-tss writes it, for example
 *                "swtpm:host=127.0.0.1,port=2321" or "device:/dev/tpmrm0".
 *   "file"       development only: keys in 0600 files of the state directory. Compiled out
 *                of KEEL_PRODUCTION builds (keel_rot_open then returns KEEL_ERR_ROT_REFUSED);
 *                the audit reports a device that uses it (5.4-1 at risk).
 *
 * Every backend keeps what it needs on flash (sealed blobs, key handles, counter indices) in
 * the state directory given to keel_rot_open, which the caller owns; nothing there is
 * usable without the root of trust itself, except for the file backend.
 */
#ifndef KEEL_ROT_H
#define KEEL_ROT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "keel/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_ROT_KEY_LEN 32 /* the storage key: AES-256 */
#define KEEL_ROT_COUNTERS 4 /* counters 0 .. KEEL_ROT_COUNTERS - 1 */
#define KEEL_ROT_SPEC_MAX 256

/* Counter roles: each user of a counter owns one id, fixed here so they never collide. */
#define KEEL_ROT_COUNTER_STORE 0  /* the secure store's generation (keel/store.h) */
#define KEEL_ROT_COUNTER_UPDATE 1 /* the highest confirmed security version (5.3) */

typedef enum keel_rot_backend {
    KEEL_ROT_BACKEND_FILE = 0,
    KEEL_ROT_BACKEND_TPM2 = 1
} keel_rot_backend;

/* Opaque; made by keel_rot_open, freed by keel_rot_close. Its operations may be called from
 * several threads: they run one at a time (a TPM's session context serves one caller). */
typedef struct keel_rot keel_rot;

/* Open the root of trust named by spec, keeping its on-flash state in state_dir (made with
 * mode 0700 if missing). KEEL_ERR_ARG for a malformed spec, KEEL_ERR_ROT_REFUSED for the
 * file backend in a production build, KEEL_ERR_ROT_UNAVAILABLE when the TPM cannot be
 * reached (the message logged names the TCTI). */
KEEL_MUST_CHECK keel_err keel_rot_open(const char *spec, const char *state_dir, keel_rot **out);

/* Close and free; wipes every secret it held. NULL is a no-op. */
void keel_rot_close(keel_rot *rot);

keel_rot_backend keel_rot_backend_of(const keel_rot *rot);

/* "file" or "tpm2"; for reports and the audit. */
const char *keel_rot_backend_name(keel_rot_backend backend);

/* Factory: make a fresh storage key inside the root of trust and keep it sealed in the state
 * directory. KEEL_ERR_EXISTS if one exists already (a storage key is never replaced
 * silently; keel_rot_storage_key_destroy first, as a factory reset does). */
KEEL_MUST_CHECK keel_err keel_rot_storage_key_create(keel_rot *rot);

/* Unseal the storage key into key. KEEL_ERR_NOT_FOUND when none was made,
 * KEEL_ERR_ROT_SEALED when the sealed blob is damaged or belongs to another root of trust.
 * On failure key is wiped. */
KEEL_MUST_CHECK keel_err keel_rot_storage_key_unseal(keel_rot *rot, uint8_t key[KEEL_ROT_KEY_LEN]);

/* Destroy the storage key (crypto-erase: the sealed blob and any TPM object). */
KEEL_MUST_CHECK keel_err keel_rot_storage_key_destroy(keel_rot *rot);

/* Monotonic counter id: create it on first use (reading 0 or, on a TPM, the value the TPM
 * assigns, which may be higher), read it, or raise it by one. A counter never goes down,
 * not even across keel_rot_storage_key_destroy. */
KEEL_MUST_CHECK keel_err keel_rot_counter_read(keel_rot *rot, uint32_t id, uint64_t *value);
KEEL_MUST_CHECK keel_err keel_rot_counter_increment(keel_rot *rot, uint32_t id, uint64_t *value);

/* Factory: make the device identity key (ECDSA P-256) inside the root of trust.
 * KEEL_ERR_EXISTS if it exists. */
KEEL_MUST_CHECK keel_err keel_rot_identity_create(keel_rot *rot);

/* The identity key as an EVP_PKEY that signs through the root of trust (for tpm2, a key of
 * the tpm2-openssl provider: the private part never enters this process). The caller frees
 * it with EVP_PKEY_free before keel_rot_close. KEEL_ERR_NOT_FOUND when none was made. */
KEEL_MUST_CHECK keel_err keel_rot_identity_key(keel_rot *rot, EVP_PKEY **key);

/* The OpenSSL library context the identity key belongs to, for SSL_CTX_new_ex and friends;
 * NULL means OpenSSL's default context (where the tpm2 backend loads the tpm2 provider
 * beside the default one, so that contexts made by other libraries can use the key). */
OSSL_LIB_CTX *keel_rot_libctx(keel_rot *rot);

/* The property query to fetch operations on the identity key with, beside keel_rot_libctx:
 * EVP_DigestSignInit_ex(md, NULL, "SHA256", keel_rot_libctx(rot), keel_rot_propq(rot), key,
 * NULL), SSL_CTX_new_ex(keel_rot_libctx(rot), keel_rot_propq(rot), method). "?provider=tpm2"
 * for tpm2 (OpenSSL 3.0 would otherwise pick the default provider's ECDSA, which cannot use a
 * TPM key), NULL for file. Static; NULL for a NULL rot. */
const char *keel_rot_propq(const keel_rot *rot);

/* The identity key for TLS client authentication (5.5-1, 5.8-2) as an EVP_PKEY that libssl
 * can use in OpenSSL's default library context with no property query: SSL_CTX_new(...),
 * SSL_CTX_use_PrivateKey(ctx, key). For tpm2 it holds the public point in software and
 * sends every private operation (the ECDSA signature of a TLS handshake) to the root of
 * trust; the private key never enters this process. For file it is the identity key itself.
 * The key keeps what it needs alive by itself, but it signs through rot: free it (and every
 * SSL_CTX holding it) before keel_rot_close. Errors: KEEL_ERR_ARG, KEEL_ERR_NOT_FOUND (no
 * identity key made), KEEL_ERR_ROT_SEALED (it cannot be loaded), KEEL_ERR_CRYPTO,
 * KEEL_ERR_NOMEM. */
KEEL_MUST_CHECK keel_err keel_rot_identity_tls_key(keel_rot *rot, EVP_PKEY **out);

#ifdef __cplusplus
}
#endif
#endif /* KEEL_ROT_H */
