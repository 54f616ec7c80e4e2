/* The sealed storage key on flash: "KEELSL01", then the sealed object's TPM2B_PUBLIC and
 * TPM2B_PRIVATE in TPM wire format (tss2-mu). The file comes from flash, which an attacker
 * may rewrite, so decoding is strict; the TPM then checks the private part's integrity. */
#include <string.h>

#include <tss2/tss2_mu.h>

#include "tpm2_private.h"

static const uint8_t blob_magic[KEEL_ROT_BLOB_MAGIC_LEN] = {'K', 'E', 'E', 'L', 'S', 'L', '0', '1'};

keel_err keel_rot_tpm2_blob_encode(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv, uint8_t *out,
                                   size_t outsz, size_t *len)
{
    size_t off = KEEL_ROT_BLOB_MAGIC_LEN;

    if (outsz < KEEL_ROT_BLOB_MAGIC_LEN)
        return KEEL_ERR_RANGE;
    memcpy(out, blob_magic, sizeof(blob_magic));
    if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, out, outsz, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Marshal(priv, out, outsz, &off) != TSS2_RC_SUCCESS)
        return KEEL_ERR_RANGE;
    *len = off;
    return KEEL_OK;
}

/* tss2-mu does not check a TPM2B_PUBLIC's size field against the structure inside it: only a
 * blob that encodes back to exactly its own bytes is accepted. */
static int canonical(const uint8_t *data, size_t len, const TPM2B_PUBLIC *pub,
                     const TPM2B_PRIVATE *priv)
{
    uint8_t again[KEEL_ROT_TPM2_BLOB_MAX];
    size_t n = 0;

    return keel_rot_tpm2_blob_encode(pub, priv, again, sizeof(again), &n) == KEEL_OK && n == len &&
           memcmp(again, data, len) == 0;
}

keel_err keel_rot_tpm2_blob_decode(const uint8_t *data, size_t len, TPM2B_PUBLIC *pub,
                                   TPM2B_PRIVATE *priv)
{
    size_t off = KEEL_ROT_BLOB_MAGIC_LEN;

    memset(pub, 0, sizeof(*pub));
    memset(priv, 0, sizeof(*priv));
    if (data == NULL || len < KEEL_ROT_BLOB_MAGIC_LEN ||
        memcmp(data, blob_magic, sizeof(blob_magic)) != 0)
        return KEEL_ERR_ROT_SEALED;
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(data, len, &off, pub) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_PRIVATE_Unmarshal(data, len, &off, priv) != TSS2_RC_SUCCESS || off != len ||
        pub->publicArea.type != TPM2_ALG_KEYEDHASH || !canonical(data, len, pub, priv)) {
        memset(pub, 0, sizeof(*pub));
        memset(priv, 0, sizeof(*priv));
        return KEEL_ERR_ROT_SEALED;
    }
    return KEEL_OK;
}
