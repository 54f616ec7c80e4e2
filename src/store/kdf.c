/* Keys of the store, derived from the root of trust's storage key with HKDF-SHA-256
 * (RFC 5869, OpenSSL's EVP_KDF). Distinct info strings keep the key id and the file keys
 * independent: the key id, written in clear in every header, reveals nothing of the file
 * keys; and since every write draws a fresh 32-byte salt, every file is sealed under a key
 * of its own, so no (key, nonce) pair of AES-GCM can repeat, not even after a crash (5.4-1).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "store_internal.h"

static const char info_key_id[] = "keel store v1 key id";
static const char info_file_key[] = "keel store v1 file key";

static keel_err hkdf(const uint8_t key[KEEL_ROT_KEY_LEN], const uint8_t *salt, size_t salt_len,
                     const char *info, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = NULL;
    OSSL_PARAM params[5];
    size_t n = 0;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (kdf == NULL)
        goto out;
    ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL)
        goto out;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, KEEL_ROT_KEY_LEN);
    if (salt != NULL)
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    params[n] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
        ret = KEEL_OK;
out:
    if (ret != KEEL_OK)
        keel_wipe(out, out_len);
    EVP_KDF_CTX_free(ctx); /* clears the key material it copied */
    EVP_KDF_free(kdf);
    return ret;
}

keel_err keel_store_key_id(const uint8_t key[KEEL_ROT_KEY_LEN], uint8_t id[KEEL_STORE_KEY_ID_LEN])
{
    if (key == NULL || id == NULL)
        return KEEL_ERR_ARG;
    return hkdf(key, NULL, 0, info_key_id, id, KEEL_STORE_KEY_ID_LEN);
}

keel_err keel_store_file_key(const uint8_t key[KEEL_ROT_KEY_LEN],
                             const uint8_t salt[KEEL_STORE_SALT_LEN],
                             uint8_t file_key[KEEL_ROT_KEY_LEN])
{
    if (key == NULL || salt == NULL || file_key == NULL)
        return KEEL_ERR_ARG;
    return hkdf(key, salt, KEEL_STORE_SALT_LEN, info_file_key, file_key, KEEL_ROT_KEY_LEN);
}
