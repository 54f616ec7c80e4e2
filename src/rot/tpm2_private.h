/* Private to the tpm2 backend of rot. */
#ifndef KEEL_ROT_TPM2_PRIVATE_H
#define KEEL_ROT_TPM2_PRIVATE_H

#include <openssl/provider.h>
#include <tss2/tss2_esys.h>

#include "rot_private.h"

/* Wait at most this long for one TPM response: a TPM that stops answering is unavailable,
 * not a hang of the device's start. */
#define KEEL_ROT_TPM2_TIMEOUT_MS 30000
#define KEEL_ROT_TPM2_SEALED_FILE "storage.sealed"
#define KEEL_ROT_TPM2_BLOB_MAX                                                                     \
    (KEEL_ROT_BLOB_MAGIC_LEN + sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE))
/* Counter id n is the NV index KEEL_ROT_TPM2_NV_BASE + n, in the owner range of the TCG
 * handle registry. */
#define KEEL_ROT_TPM2_NV_BASE 0x01800100u

struct keel_rot_tpm2 {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
    OSSL_PROVIDER *prov_tpm2;
    OSSL_PROVIDER *prov_default;
};

extern const keel_rot_ops keel_rot_tpm2_ops;

/* A TSS2 return code as a keel_err: failures to reach the TPM (TCTI, I/O, timeouts) are
 * KEEL_ERR_ROT_UNAVAILABLE, everything else tpm_error. Logs what failed and why. */
keel_err keel_rot_tpm2_err(TSS2_RC rc, const char *what, keel_err tpm_error);

/* Load the tpm2 and default providers for rot->tcti into OpenSSL's default context, or, when
 * that context is already bound to another TPM, into a private one (rot->libctx). */
KEEL_MUST_CHECK keel_err keel_rot_tpm2_providers_load(keel_rot *rot);
void keel_rot_tpm2_providers_unload(keel_rot *rot);

/* Sealed blob file codec (format: KEEL_ROT_BLOB_MAGIC_LEN in rot_private.h). */
KEEL_MUST_CHECK keel_err keel_rot_tpm2_blob_encode(const TPM2B_PUBLIC *pub,
                                                   const TPM2B_PRIVATE *priv, uint8_t *out,
                                                   size_t outsz, size_t *len);
KEEL_MUST_CHECK keel_err keel_rot_tpm2_blob_decode(const uint8_t *data, size_t len,
                                                   TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv);

/* Storage key and counters (tpm2_seal.c, tpm2_nv.c). */
keel_err keel_rot_tpm2_key_create(keel_rot *rot);
keel_err keel_rot_tpm2_key_unseal(keel_rot *rot, uint8_t key[KEEL_ROT_KEY_LEN]);
keel_err keel_rot_tpm2_key_destroy(keel_rot *rot);
keel_err keel_rot_tpm2_counter_read(keel_rot *rot, uint32_t id, uint64_t *value);
keel_err keel_rot_tpm2_counter_increment(keel_rot *rot, uint32_t id, uint64_t *value);

#endif /* KEEL_ROT_TPM2_PRIVATE_H */
