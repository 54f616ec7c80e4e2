/* The storage key (5.4-1): 32 random bytes from the TPM, sealed as a KEYEDHASH data object
 * under the owner hierarchy's storage primary key; only the sealed blob is kept on flash, and
 * only the TPM that sealed it can unseal it.
 *
 * The primary key is re-derived for each operation from the TCG SRK template (ECC P-256):
 * same TPM, same owner seed, same key; nothing stays loaded in the TPM. The sealed object has
 * an empty authValue and no policy (userWithAuth): anyone who can talk to this TPM can unseal
 * it, which is what a device that boots unattended needs. Binding to PCRs (measured boot) is
 * a policy that can be added to this template without changing the blob format.
 *
 * The key crosses the bus between TPM and CPU inside a session salted with the primary key,
 * with parameter encryption both ways, so a bus sniffer sees neither the key sent to Create
 * nor the key returned by Unseal. */
#include <string.h>

#include "tpm2_private.h"

static const TPM2B_PUBLIC srk_template = {
    .publicArea =
        {
            .type = TPM2_ALG_ECC,
            .nameAlg = TPM2_ALG_SHA256,
            .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
            .parameters.eccDetail =
                {
                    .symmetric = {.algorithm = TPM2_ALG_AES,
                                  .keyBits.aes = 128,
                                  .mode.aes = TPM2_ALG_CFB},
                    .scheme = {.scheme = TPM2_ALG_NULL},
                    .curveID = TPM2_ECC_NIST_P256,
                    .kdf = {.scheme = TPM2_ALG_NULL},
                },
            .unique.ecc = {.x = {.size = 32}, .y = {.size = 32}},
        },
};

static const TPM2B_PUBLIC sealed_template = {
    .publicArea =
        {
            .type = TPM2_ALG_KEYEDHASH,
            .nameAlg = TPM2_ALG_SHA256,
            .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
            .parameters.keyedHashDetail.scheme = {.scheme = TPM2_ALG_NULL},
        },
};

/* The primary key and a session salted with it (HMAC, AES-128-CFB parameter encryption). */
static keel_err begin(ESYS_CONTEXT *esys, ESYS_TR *primary, ESYS_TR *session)
{
    const TPM2B_SENSITIVE_CREATE no_auth = {0};
    const TPM2B_DATA no_outside = {0};
    const TPML_PCR_SELECTION no_pcrs = {0};
    const TPMT_SYM_DEF sym = {
        .algorithm = TPM2_ALG_AES, .keyBits.aes = 128, .mode.aes = TPM2_ALG_CFB};
    TSS2_RC rc;

    *primary = ESYS_TR_NONE;
    *session = ESYS_TR_NONE;
    rc = Esys_CreatePrimary(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                            &no_auth, &srk_template, &no_outside, &no_pcrs, primary, NULL, NULL,
                            NULL, NULL);
    if (rc != TSS2_RC_SUCCESS)
        return keel_rot_tpm2_err(rc, "CreatePrimary (storage key parent)", KEEL_ERR_CRYPTO);
    rc = Esys_StartAuthSession(esys, *primary, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                               ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &sym, TPM2_ALG_SHA256, session);
    if (rc == TSS2_RC_SUCCESS)
        rc = Esys_TRSess_SetAttributes(
            esys, *session,
            TPMA_SESSION_DECRYPT | TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION, 0xff);
    return keel_rot_tpm2_err(rc, "StartAuthSession", KEEL_ERR_CRYPTO);
}

static void end(ESYS_CONTEXT *esys, ESYS_TR primary, ESYS_TR session)
{
    if (session != ESYS_TR_NONE)
        Esys_FlushContext(esys, session);
    if (primary != ESYS_TR_NONE)
        Esys_FlushContext(esys, primary);
}

static keel_err random_chunk(ESYS_CONTEXT *esys, ESYS_TR session, uint8_t *out, size_t want,
                             size_t *got)
{
    TPM2B_DIGEST *rnd = NULL;
    keel_err ret;
    TSS2_RC rc;

    *got = 0;
    rc = Esys_GetRandom(esys, session, ESYS_TR_NONE, ESYS_TR_NONE, (UINT16)want, &rnd);
    ret = keel_rot_tpm2_err(rc, "GetRandom", KEEL_ERR_RANDOM);
    if (ret == KEEL_OK && (rnd->size == 0 || rnd->size > want))
        ret = KEEL_ERR_RANDOM;
    if (ret == KEEL_OK) {
        memcpy(out, rnd->buffer, rnd->size);
        *got = rnd->size;
    }
    if (rnd != NULL) {
        keel_wipe(rnd, sizeof(*rnd));
        Esys_Free(rnd);
    }
    return ret;
}

/* The key comes back encrypted in the session; GetRandom has no encryptable command
 * parameter, so the session's decrypt attribute is off meanwhile. */
static keel_err tpm_random(ESYS_CONTEXT *esys, ESYS_TR session, TPM2B_SENSITIVE_CREATE *in)
{
    size_t have = 0, got = 0;
    keel_err ret = KEEL_OK;

    if (Esys_TRSess_SetAttributes(esys, session, 0, TPMA_SESSION_DECRYPT) != TSS2_RC_SUCCESS)
        return KEEL_ERR_CRYPTO;
    in->sensitive.data.size = KEEL_ROT_KEY_LEN;
    /* GetRandom may return fewer bytes than asked. */
    while (ret == KEEL_OK && have < KEEL_ROT_KEY_LEN) {
        ret = random_chunk(esys, session, in->sensitive.data.buffer + have, KEEL_ROT_KEY_LEN - have,
                           &got);
        have += got;
    }
    if (Esys_TRSess_SetAttributes(esys, session, TPMA_SESSION_DECRYPT, TPMA_SESSION_DECRYPT) !=
        TSS2_RC_SUCCESS)
        ret = KEEL_ERR_CRYPTO;
    return ret;
}

static keel_err seal(keel_rot *rot, const char *path)
{
    ESYS_CONTEXT *esys = rot->tpm2->esys;
    TPM2B_SENSITIVE_CREATE in = {0};
    const TPM2B_DATA no_outside = {0};
    const TPML_PCR_SELECTION no_pcrs = {0};
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    uint8_t blob[KEEL_ROT_TPM2_BLOB_MAX];
    ESYS_TR primary, session;
    size_t len = 0;
    keel_err ret = begin(esys, &primary, &session);
    TSS2_RC rc;

    if (ret == KEEL_OK)
        ret = tpm_random(esys, session, &in);
    if (ret != KEEL_OK)
        goto out;
    rc = Esys_Create(esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, &in, &sealed_template,
                     &no_outside, &no_pcrs, &priv, &pub, NULL, NULL, NULL);
    ret = keel_rot_tpm2_err(rc, "Create (sealing the storage key)", KEEL_ERR_CRYPTO);
    if (ret == KEEL_OK)
        ret = keel_rot_tpm2_blob_encode(pub, priv, blob, sizeof(blob), &len);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, blob, len, 0600);
out:
    keel_wipe(&in, sizeof(in));
    Esys_Free(priv);
    Esys_Free(pub);
    end(esys, primary, session);
    return ret;
}

keel_err keel_rot_tpm2_key_create(keel_rot *rot)
{
    char path[KEEL_ROT_PATH_MAX];
    keel_err ret = keel_rot_path(rot, KEEL_ROT_TPM2_SEALED_FILE, path);

    if (ret != KEEL_OK)
        return ret;
    if (keel_rot_path_exists(path))
        return KEEL_ERR_EXISTS;
    return seal(rot, path);
}

static keel_err read_blob(keel_rot *rot, TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv)
{
    char path[KEEL_ROT_PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    keel_err ret = keel_rot_path(rot, KEEL_ROT_TPM2_SEALED_FILE, path);

    if (ret == KEEL_OK)
        ret = keel_file_read(path, KEEL_ROT_TPM2_BLOB_MAX, &data, &len);
    if (ret == KEEL_ERR_TOO_LARGE)
        ret = KEEL_ERR_ROT_SEALED;
    if (ret == KEEL_OK)
        ret = keel_rot_tpm2_blob_decode((const uint8_t *)data, len, pub, priv);
    if (ret == KEEL_ERR_ROT_SEALED)
        keel_log(KEEL_LOG_ERROR, "rot: sealed storage key %s is damaged", path);
    keel_file_free(data, len);
    return ret;
}

/* Load and unseal; every TPM refusal (integrity, foreign parent, bad attributes) means the
 * blob is not one this TPM sealed. */
static keel_err unseal(ESYS_CONTEXT *esys, const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
                       uint8_t key[KEEL_ROT_KEY_LEN])
{
    TPM2B_SENSITIVE_DATA *out = NULL;
    ESYS_TR primary, session, obj = ESYS_TR_NONE;
    keel_err ret = begin(esys, &primary, &session);
    TSS2_RC rc;

    if (ret != KEEL_OK)
        goto out;
    rc = Esys_Load(esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub, &obj);
    ret = keel_rot_tpm2_err(rc, "Load (sealed storage key)", KEEL_ERR_ROT_SEALED);
    if (ret != KEEL_OK)
        goto out;
    rc = Esys_Unseal(esys, obj, session, ESYS_TR_NONE, ESYS_TR_NONE, &out);
    ret = keel_rot_tpm2_err(rc, "Unseal (storage key)", KEEL_ERR_ROT_SEALED);
    if (ret == KEEL_OK && out->size != KEEL_ROT_KEY_LEN)
        ret = KEEL_ERR_ROT_SEALED;
    if (ret == KEEL_OK)
        memcpy(key, out->buffer, KEEL_ROT_KEY_LEN);
out:
    if (out != NULL) {
        keel_wipe(out, sizeof(*out));
        Esys_Free(out);
    }
    if (obj != ESYS_TR_NONE)
        Esys_FlushContext(esys, obj);
    end(esys, primary, session);
    return ret;
}

keel_err keel_rot_tpm2_key_unseal(keel_rot *rot, uint8_t key[KEEL_ROT_KEY_LEN])
{
    TPM2B_PUBLIC pub;
    TPM2B_PRIVATE priv;
    keel_err ret = read_blob(rot, &pub, &priv);

    if (ret == KEEL_OK)
        ret = unseal(rot->tpm2->esys, &pub, &priv, key);
    return ret;
}

keel_err keel_rot_tpm2_key_destroy(keel_rot *rot)
{
    char path[KEEL_ROT_PATH_MAX];
    keel_err ret = keel_rot_path(rot, KEEL_ROT_TPM2_SEALED_FILE, path);

    /* The sealed object is never left loaded and its parent is re-derived, so the blob is
     * all there is to erase. */
    return ret == KEEL_OK ? keel_rot_file_shred(path) : ret;
}
