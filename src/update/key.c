/* Signing keys of the repository's roles: Ed25519 (key files) and ECDSA P-256 (which a TPM
 * or a PKCS#11 token can hold), both best-practice signatures through OpenSSL (5.3-7). A key
 * is named by the SHA-256 of its DER SubjectPublicKeyInfo, so a root lists exactly the keys
 * it trusts and no key can be swapped under a name (5.3-10: the trust relationship). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "meta_private.h"

#define TYPE_ED25519 "ed25519"
#define TYPE_P256 "ecdsa-sha2-nistp256"

static int is_p256(EVP_PKEY *key)
{
    char group[64];
    size_t len = 0;

    if (!EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_group_name(key, group, sizeof(group), &len) != 1)
        return 0;
    /* The default provider says "prime256v1", others may use the NIST name. */
    return OBJ_sn2nid(group) == NID_X9_62_prime256v1 ||
           EC_curve_nist2nid(group) == NID_X9_62_prime256v1;
}

const char *keel_update_key_type(EVP_PKEY *key)
{
    if (key == NULL)
        return NULL;
    if (EVP_PKEY_is_a(key, "ED25519"))
        return TYPE_ED25519;
    if (is_p256(key))
        return TYPE_P256;
    return NULL;
}

keel_err keel_update_sha256(const void *data, size_t len, uint8_t out[32])
{
    static const uint8_t empty[1] = {0};
    unsigned int n = 0;

    if ((data == NULL && len != 0) || out == NULL)
        return KEEL_ERR_ARG;
    if (EVP_Digest(data != NULL ? data : empty, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        keel_wipe(out, 32);
        return KEEL_ERR_CRYPTO;
    }
    return KEEL_OK;
}

void keel_update_sha256_hex(const uint8_t digest[32], char out[KEEL_UPDATE_KEYID_SIZE])
{
    if (keel_hex_encode(digest, 32, out, KEEL_UPDATE_KEYID_SIZE) != KEEL_OK)
        out[0] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

keel_err keel_update_hex32_decode(const char *hex, uint8_t out[32])
{
    if (hex == NULL || out == NULL)
        return KEEL_ERR_ARG;
    if (strnlen(hex, 65) != 64)
        goto bad;
    for (size_t i = 0; i < 32; i++) {
        int hi = hex_digit(hex[2 * i]);
        int lo = hex_digit(hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            goto bad;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return KEEL_OK;
bad:
    memset(out, 0, 32);
    return KEEL_ERR_PARSE;
}

keel_err keel_update_key_id(EVP_PKEY *key, char id[KEEL_UPDATE_KEYID_SIZE])
{
    unsigned char *der = NULL;
    uint8_t digest[32];
    int len;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (key == NULL || id == NULL)
        return KEEL_ERR_ARG;
    id[0] = '\0';
    if (keel_update_key_type(key) == NULL) {
        keel_log(KEEL_LOG_ERROR, "update: a key is neither Ed25519 nor ECDSA P-256");
        return KEEL_ERR_CRYPTO;
    }
    len = i2d_PUBKEY(key, &der);
    if (len <= 0)
        goto out;
    ret = keel_update_sha256(der, (size_t)len, digest);
    if (ret == KEEL_OK)
        keel_update_sha256_hex(digest, id);
out:
    OPENSSL_free(der);
    return ret;
}

/* "?provider=NAME" for a key held by a provider other than the default one: OpenSSL 3.0
 * otherwise fetches the default provider's signature, which cannot use a key held in a
 * TPM. NULL for the default provider. */
static const char *provider_propq(EVP_PKEY *key, char *buf, size_t bufsz)
{
    const OSSL_PROVIDER *prov = EVP_PKEY_get0_provider(key);
    const char *name = prov != NULL ? OSSL_PROVIDER_get0_name(prov) : NULL;

    if (name == NULL || strcmp(name, "default") == 0 ||
        keel_str_format(buf, bufsz, "?provider=%s", name) != KEEL_OK)
        return NULL;
    return buf;
}

/* The digest of each scheme: none for Ed25519 (it hashes the message itself). */
static const char *scheme_md(EVP_PKEY *key)
{
    return EVP_PKEY_is_a(key, "ED25519") ? NULL : "SHA256";
}

keel_err keel_update_key_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t **sig,
                              size_t *sig_len)
{
    static const uint8_t empty[1] = {0};
    const uint8_t *m = msg != NULL ? msg : empty;
    EVP_MD_CTX *ctx = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    char propq[96];
    keel_err ret = KEEL_ERR_CRYPTO;

    if (key == NULL || (msg == NULL && len != 0) || sig == NULL || sig_len == NULL)
        return KEEL_ERR_ARG;
    *sig = NULL;
    *sig_len = 0;
    if (keel_update_key_type(key) == NULL) {
        keel_log(KEEL_LOG_ERROR, "update: a signing key is neither Ed25519 nor ECDSA P-256");
        return KEEL_ERR_CRYPTO;
    }
    if ((ctx = EVP_MD_CTX_new()) == NULL)
        return KEEL_ERR_NOMEM;
    if (EVP_DigestSignInit_ex(ctx, NULL, scheme_md(key), NULL,
                              provider_propq(key, propq, sizeof(propq)), key, NULL) != 1 ||
        EVP_DigestSign(ctx, NULL, &n, m, len) != 1 || n == 0)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((buf = malloc(n)) == NULL)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    if (EVP_DigestSign(ctx, buf, &n, m, len) != 1)
        goto out;
    *sig = buf;
    *sig_len = n;
    buf = NULL;
    ret = KEEL_OK;
out:
    if (ret == KEEL_ERR_CRYPTO)
        keel_log(KEEL_LOG_ERROR, "update: a %s key could not sign", keel_update_key_type(key));
    free(buf);
    EVP_MD_CTX_free(ctx);
    return ret;
}

keel_err keel_update_key_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t *sig,
                                size_t sig_len)
{
    static const uint8_t empty[1] = {0};
    EVP_MD_CTX *ctx = NULL;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (key == NULL || (msg == NULL && len != 0) || sig == NULL)
        return KEEL_ERR_ARG;
    if (keel_update_key_type(key) == NULL)
        return KEEL_ERR_CRYPTO;
    if ((ctx = EVP_MD_CTX_new()) == NULL)
        return KEEL_ERR_NOMEM;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, scheme_md(key), NULL, NULL, key, NULL) != 1)
        goto out;
    ret = EVP_DigestVerify(ctx, sig, sig_len, msg != NULL ? msg : empty, len) == 1
              ? KEEL_OK
              : KEEL_ERR_UPDATE_UNSIGNED;
out:
    if (ret != KEEL_OK)
        ERR_clear_error(); /* a refused signature is an answer, not a library fault */
    EVP_MD_CTX_free(ctx);
    return ret;
}

/* Only white space may follow the key in its PEM. */
static int rest_is_space(BIO *bio)
{
    char c;

    while (BIO_read(bio, &c, 1) == 1) {
        if (c != '\n' && c != '\r' && c != ' ' && c != '\t')
            return 0;
    }
    return 1;
}

keel_err keel_update_key_from_pem(const char *pem, EVP_PKEY **out)
{
    static const char begin[] = "-----BEGIN PUBLIC KEY-----";
    BIO *bio = NULL;
    EVP_PKEY *key = NULL;
    size_t n;
    keel_err ret = KEEL_ERR_PARSE;

    if (pem == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    n = strnlen(pem, KEEL_UPDATE_PEM_MAX);
    if (n >= KEEL_UPDATE_PEM_MAX)
        return KEEL_ERR_TOO_LARGE;
    if (strncmp(pem, begin, sizeof(begin) - 1) != 0)
        return KEEL_ERR_PARSE;
    if ((bio = BIO_new_mem_buf(pem, (int)n)) == NULL)
        return KEEL_ERR_NOMEM;
    key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (key == NULL || keel_update_key_type(key) == NULL || !rest_is_space(bio))
        goto out;
    *out = key;
    key = NULL;
    ret = KEEL_OK;
out:
    if (ret != KEEL_OK)
        ERR_clear_error();
    EVP_PKEY_free(key);
    BIO_free(bio);
    return ret;
}

keel_err keel_update_key_to_pem(EVP_PKEY *key, char **out)
{
    BIO *bio = NULL;
    char *data = NULL;
    char *copy = NULL;
    long n;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (key == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    if ((bio = BIO_new(BIO_s_mem())) == NULL)
        return KEEL_ERR_NOMEM;
    if (PEM_write_bio_PUBKEY(bio, key) != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0)
        goto out;
    ret = KEEL_ERR_NOMEM;
    if ((copy = malloc((size_t)n + 1)) == NULL)
        goto out;
    memcpy(copy, data, (size_t)n);
    copy[n] = '\0';
    *out = copy;
    ret = KEEL_OK;
out:
    BIO_free(bio);
    return ret;
}
