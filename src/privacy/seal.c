/*
 * Sealing personal data at rest (keel/privacy.h): AES-256-GCM under a key of the secure
 * store, a fresh random 96-bit nonce for every value, the field's context as additional
 * data. The version byte is authenticated with the context, so a value cannot be passed
 * off under another format version either:
 *
 *   sealed = 0x01 | nonce (12) | ciphertext (len) | tag (16)
 *   AAD    = 0x01 | context
 *
 * A random nonce per value keeps the (key, nonce) pairs apart without a counter to persist:
 * at the sizes a device seals (a few thousand values over its life under one key) a
 * collision among 96-bit nonces is out of reach (NIST SP 800-38D, 8.3).
 */
#include <string.h>

#include <openssl/evp.h>

#include "keel/privacy.h"

#define SEAL_VERSION 0x01

/* 1..KEEL_PRIVACY_CONTEXT_MAX bytes of [a-z0-9._-]. */
static int context_valid(const char *context)
{
    size_t len;

    if (context == NULL)
        return 0;
    len = strnlen(context, KEEL_PRIVACY_CONTEXT_MAX + 1);
    if (len == 0 || len > KEEL_PRIVACY_CONTEXT_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = context[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

keel_err keel_privacy_key_new(uint8_t key[KEEL_PRIVACY_KEY_LEN])
{
    if (key == NULL)
        return KEEL_ERR_ARG;
    return keel_random(key, KEEL_PRIVACY_KEY_LEN);
}

/* The cipher set up for key and nonce, the version and the context already given as AAD. */
static int gcm_start(EVP_CIPHER_CTX *ctx, int encrypt, const uint8_t *key, const uint8_t *nonce,
                     const char *context)
{
    static const unsigned char version = SEAL_VERSION;
    int n = 0;

    return EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, KEEL_PRIVACY_NONCE_LEN, NULL) == 1 &&
           EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, encrypt) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, &version, 1) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)context, (int)strlen(context)) ==
               1;
}

keel_err keel_privacy_seal(const uint8_t key[KEEL_PRIVACY_KEY_LEN], const char *context,
                           const void *in, size_t len, uint8_t *out, size_t outsz, size_t *outlen)
{
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t *nonce;
    uint8_t *ct;
    int n = 0;
    int fin = 0;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (outlen != NULL)
        *outlen = 0;
    if (key == NULL || out == NULL || outlen == NULL || (in == NULL && len > 0) ||
        !context_valid(context))
        return KEEL_ERR_ARG;
    if (len > KEEL_PRIVACY_VALUE_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (outsz < len + KEEL_PRIVACY_SEAL_OVERHEAD)
        return KEEL_ERR_RANGE;
    nonce = out + 1;
    ct = out + 1 + KEEL_PRIVACY_NONCE_LEN;
    out[0] = SEAL_VERSION;
    ret = keel_random(nonce, KEEL_PRIVACY_NONCE_LEN);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL || !gcm_start(ctx, 1, key, nonce, context))
        goto out;
    if (len > 0 && (EVP_EncryptUpdate(ctx, ct, &n, in, (int)len) != 1 || (size_t)n != len))
        goto out;
    if (EVP_EncryptFinal_ex(ctx, ct + len, &fin) != 1 || fin != 0 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, KEEL_PRIVACY_TAG_LEN, ct + len) != 1)
        goto out;
    *outlen = len + KEEL_PRIVACY_SEAL_OVERHEAD;
    ret = KEEL_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (ret != KEEL_OK)
        keel_wipe(out, outsz);
    return ret;
}

keel_err keel_privacy_open(const uint8_t key[KEEL_PRIVACY_KEY_LEN], const char *context,
                           const uint8_t *in, size_t len, void *out, size_t outsz, size_t *outlen)
{
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t tag[KEEL_PRIVACY_TAG_LEN];
    uint8_t none[KEEL_PRIVACY_TAG_LEN]; /* GCM's final step writes nothing */
    size_t ptlen;
    int n = 0;
    int fin = 0;
    keel_err ret = KEEL_ERR_ARG;

    if (outlen != NULL)
        *outlen = 0;
    if (key == NULL || outlen == NULL || (in == NULL && len > 0) || (out == NULL && outsz > 0) ||
        !context_valid(context))
        goto out;
    ret = KEEL_ERR_PARSE;
    if (len < KEEL_PRIVACY_SEAL_OVERHEAD || in[0] != SEAL_VERSION ||
        len - KEEL_PRIVACY_SEAL_OVERHEAD > KEEL_PRIVACY_VALUE_MAX)
        goto out;
    ptlen = len - KEEL_PRIVACY_SEAL_OVERHEAD;
    ret = KEEL_ERR_RANGE;
    if (outsz < ptlen)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    memcpy(tag, in + len - KEEL_PRIVACY_TAG_LEN, sizeof(tag));
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL || !gcm_start(ctx, 0, key, in + 1, context))
        goto out;
    if (ptlen > 0 &&
        (EVP_DecryptUpdate(ctx, out, &n, in + 1 + KEEL_PRIVACY_NONCE_LEN, (int)ptlen) != 1 ||
         (size_t)n != ptlen))
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, KEEL_PRIVACY_TAG_LEN, tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, none, &fin) != 1 || fin != 0)
        goto out;
    *outlen = ptlen;
    ret = KEEL_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (ret != KEEL_OK && out != NULL)
        keel_wipe(out, outsz);
    return ret;
}
