/* The device identity key (ECDSA P-256), made by the backend's OpenSSL provider and kept as
 * PEM in the state directory. For tpm2 the provider makes the key inside the TPM and the PEM
 * holds a "TSS2 PRIVATE KEY": a blob only that TPM can load. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>

#include "rot_private.h"

static keel_err generate(keel_rot *rot, EVP_PKEY **key)
{
    OSSL_PARAM params[2];
    EVP_PKEY_CTX *ctx;
    keel_err ret = KEEL_ERR_CRYPTO;
    char group[] = "P-256";

    ctx = EVP_PKEY_CTX_new_from_name(rot->libctx, "EC", rot->ops->identity_propq);
    if (ctx == NULL)
        goto out;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_params(ctx, params) <= 0 ||
        EVP_PKEY_generate(ctx, key) <= 0)
        goto out;
    ret = KEEL_OK;
out:
    EVP_PKEY_CTX_free(ctx);
    return ret;
}

static keel_err save(keel_rot *rot, EVP_PKEY *key, const char *path)
{
    OSSL_ENCODER_CTX *enc;
    unsigned char *pem = NULL;
    size_t len = 0;
    keel_err ret = KEEL_ERR_CRYPTO;

    enc = OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM",
                                        rot->ops->identity_structure, rot->ops->identity_propq);
    if (enc == NULL || OSSL_ENCODER_CTX_get_num_encoders(enc) == 0 ||
        OSSL_ENCODER_to_data(enc, &pem, &len) != 1)
        goto out;
    ret = keel_file_write_atomic(path, pem, len, 0600);
out:
    OSSL_ENCODER_CTX_free(enc);
    if (pem != NULL) {
        keel_wipe(pem, len); /* the file backend's PEM is the private key itself */
        OPENSSL_free(pem);
    }
    return ret;
}

keel_err keel_rot_identity_generate(keel_rot *rot)
{
    char path[KEEL_ROT_PATH_MAX];
    EVP_PKEY *key = NULL;
    keel_err ret = keel_rot_path(rot, KEEL_ROT_IDENTITY_FILE, path);

    if (ret != KEEL_OK)
        return ret;
    if (keel_rot_path_exists(path))
        return KEEL_ERR_EXISTS;
    ret = generate(rot, &key);
    if (ret == KEEL_OK)
        ret = save(rot, key, path);
    if (ret == KEEL_ERR_CRYPTO) {
        keel_log(KEEL_LOG_ERROR, "rot: cannot make the identity key in the %s backend: %s",
                 keel_rot_backend_name(rot->backend), ERR_reason_error_string(ERR_peek_error()));
        ERR_clear_error();
    }
    EVP_PKEY_free(key);
    return ret;
}

keel_err keel_rot_identity_load(keel_rot *rot, EVP_PKEY **key)
{
    char path[KEEL_ROT_PATH_MAX];
    OSSL_DECODER_CTX *dec = NULL;
    const unsigned char *p;
    char *pem = NULL;
    size_t len = 0, left;
    keel_err ret = keel_rot_path(rot, KEEL_ROT_IDENTITY_FILE, path);

    if (ret == KEEL_OK)
        ret = keel_file_read(path, KEEL_ROT_IDENTITY_MAX, &pem, &len);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_ROT_SEALED;
    dec = OSSL_DECODER_CTX_new_for_pkey(key, "PEM", NULL, "EC", OSSL_KEYMGMT_SELECT_KEYPAIR,
                                        rot->libctx, rot->ops->identity_propq);
    p = (const unsigned char *)pem;
    left = len;
    /* A damaged PEM, or a TPM blob that this TPM refuses to load, fails here. */
    if (dec == NULL || OSSL_DECODER_from_data(dec, &p, &left) != 1 || *key == NULL) {
        keel_log(KEEL_LOG_ERROR, "rot: identity key %s cannot be loaded by the %s backend", path,
                 keel_rot_backend_name(rot->backend));
        ERR_clear_error();
        EVP_PKEY_free(*key);
        *key = NULL;
        goto out;
    }
    ret = KEEL_OK;
out:
    OSSL_DECODER_CTX_free(dec);
    keel_file_free(pem, len);
    return ret;
}
