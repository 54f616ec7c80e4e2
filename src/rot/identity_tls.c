/*
 * The identity key in a form libssl can use for TLS client authentication (5.5-1, 5.8-2).
 *
 * Why a wrapper: with OpenSSL 3.0 and tpm2-openssl 1.1 neither direct use of the TPM key
 * works. An SSL_CTX made with the property query "?provider=tpm2" fetches every digest of
 * the handshake from the TPM too (TPM hash sequences, which run out of object slots), and
 * one made without it gives the default provider's ECDSA a public-only export of the key
 * ("missing private key"). So the key handed to libssl is a software EC key holding only
 * the public point, whose ECDSA signing method asks the root of trust to sign the digest
 * (EVP_PKEY_sign on the TPM key, fetched with the root of trust's property query). libssl
 * does all hashing in the default provider; only the signature reaches the TPM.
 *
 * EC_KEY_METHOD and EVP_PKEY_assign_EC_KEY are the only way in OpenSSL 3.0 to put a custom
 * signer behind an EVP_PKEY without writing a whole provider; they are deprecated there, so
 * their use is confined to this one file.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY_METHOD: see above */

#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "rot_private.h"

/* What a wrapped key signs with: the root of trust's key and where to fetch its signer.
 * Each EC_KEY owns its own copy (a reference on key), freed with the EC_KEY. */
struct tls_signer {
    EVP_PKEY *key;
    OSSL_LIB_CTX *libctx; /* the root of trust's, not owned */
    const char *propq;    /* static */
};

/* Made once per process and never changed afterwards: the ex_data slot that ties a
 * tls_signer to its EC_KEY, and the method table every wrapped key shares (an EC_KEY does
 * not own its method, and EC_KEY_dup copies the pointer, so it must outlive every key). */
static CRYPTO_ONCE init_once = CRYPTO_ONCE_STATIC_INIT;
static int signer_index = -1;
static EC_KEY_METHOD *signer_method;

static void signer_free(struct tls_signer *s)
{
    if (s == NULL)
        return;
    EVP_PKEY_free(s->key);
    free(s);
}

/* ex_data callbacks run for every EC_KEY of the process: ptr is NULL for all but ours. */
static void signer_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                           void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    signer_free(ptr);
}

static int signer_ex_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from, void **from_d, int idx,
                         long argl, void *argp)
{
    const struct tls_signer *src = *from_d;
    struct tls_signer *copy;

    (void)to;
    (void)from;
    (void)idx;
    (void)argl;
    (void)argp;
    if (src == NULL)
        return 1;
    copy = malloc(sizeof(*copy));
    if (copy == NULL || EVP_PKEY_up_ref(src->key) != 1) {
        free(copy);
        *from_d = NULL;
        return 0;
    }
    *copy = *src;
    *from_d = copy;
    return 1;
}

/* ECDSA over the digest by the root of trust; sig gets the DER signature (at most
 * ECDSA_size bytes, as the caller of this method provides). Precomputed kinv/r (from a
 * sign_setup this method does not offer) cannot apply to a key held elsewhere. */
static int signer_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
                       unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
    const struct tls_signer *s = EC_KEY_get_ex_data(ec, signer_index);
    EVP_PKEY_CTX *pctx = NULL;
    int size = ECDSA_size(ec);
    size_t len = size > 0 ? (size_t)size : 0;
    int ok = 0;

    (void)type;
    *siglen = 0;
    if (s == NULL || len == 0 || dlen <= 0 || kinv != NULL || r != NULL)
        return 0;
    pctx = EVP_PKEY_CTX_new_from_pkey(s->libctx, s->key, s->propq);
    ok = pctx != NULL && EVP_PKEY_sign_init(pctx) == 1 &&
         EVP_PKEY_sign(pctx, sig, &len, dgst, (size_t)dlen) == 1;
    EVP_PKEY_CTX_free(pctx);
    if (ok)
        *siglen = (unsigned int)len;
    return ok;
}

/* The same signature as an ECDSA_SIG, for callers of ECDSA_do_sign. */
static ECDSA_SIG *signer_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
                                  const BIGNUM *r, EC_KEY *ec)
{
    unsigned char der[160]; /* ECDSA_size of P-521 is 139 */
    unsigned int len = 0;
    const unsigned char *p = der;

    if (ECDSA_size(ec) > (int)sizeof(der) || !signer_sign(0, dgst, dlen, der, &len, kinv, r, ec))
        return NULL;
    return d2i_ECDSA_SIG(NULL, &p, (long)len);
}

static void init_once_run(void)
{
    EC_KEY_METHOD *m = EC_KEY_METHOD_new(EC_KEY_get_default_method());
    int idx;

    if (m == NULL)
        return;
    /* Verification and everything public stay with the default method. */
    EC_KEY_METHOD_set_sign(m, signer_sign, NULL, signer_sign_sig);
    idx = EC_KEY_get_ex_new_index(0, NULL, NULL, signer_ex_dup, signer_ex_free);
    if (idx < 0) {
        EC_KEY_METHOD_free(m);
        return;
    }
    signer_method = m;
    signer_index = idx;
}

/* The public point of key as a software EC_KEY (nothing private is ever exported). */
static EC_KEY *public_ec_key(EVP_PKEY *key)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    EC_KEY *ec = NULL;
    int len = i2d_PUBKEY(key, &der);

    if (len > 0) {
        p = der;
        ec = d2i_EC_PUBKEY(NULL, &p, len);
    }
    OPENSSL_free(der);
    return ec;
}

static keel_err wrap(keel_rot *rot, EVP_PKEY *key, EVP_PKEY **out)
{
    struct tls_signer *s = NULL;
    EC_KEY *ec = NULL;
    EVP_PKEY *w = NULL;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (!EVP_PKEY_is_a(key, "EC"))
        goto out;
    ec = public_ec_key(key);
    if (ec == NULL || EC_KEY_set_method(ec, signer_method) != 1)
        goto out;
    s = calloc(1, sizeof(*s)); /* key NULL until referenced: signer_free is safe on every path */
    if (s == NULL) {
        ret = KEEL_ERR_NOMEM;
        goto out;
    }
    if (EVP_PKEY_up_ref(key) != 1)
        goto out;
    s->key = key;
    s->libctx = keel_rot_libctx(rot);
    s->propq = keel_rot_propq(rot);
    if (EC_KEY_set_ex_data(ec, signer_index, s) != 1)
        goto out;
    s = NULL; /* the EC_KEY owns it now */
    w = EVP_PKEY_new();
    if (w == NULL || EVP_PKEY_assign_EC_KEY(w, ec) != 1)
        goto out;
    ec = NULL; /* w owns it now */
    *out = w;
    w = NULL;
    ret = KEEL_OK;
out:
    signer_free(s);
    EC_KEY_free(ec);
    EVP_PKEY_free(w);
    return ret;
}

keel_err keel_rot_identity_tls_key(keel_rot *rot, EVP_PKEY **out)
{
    EVP_PKEY *key = NULL;
    keel_err ret;

    if (out != NULL)
        *out = NULL;
    if (rot == NULL || out == NULL)
        return KEEL_ERR_ARG;
    ret = keel_rot_identity_key(rot, &key);
    if (ret != KEEL_OK)
        return ret;
    if (rot->backend == KEEL_ROT_BACKEND_FILE) {
        *out = key; /* already a software key of the default provider */
        return KEEL_OK;
    }
    if (CRYPTO_THREAD_run_once(&init_once, init_once_run) != 1 || signer_index < 0) {
        ret = KEEL_ERR_CRYPTO;
    } else {
        ret = wrap(rot, key, out);
    }
    if (ret == KEEL_ERR_CRYPTO) {
        keel_log(KEEL_LOG_ERROR, "rot: the %s identity key cannot be prepared for TLS: %s",
                 keel_rot_backend_name(rot->backend), ERR_reason_error_string(ERR_peek_error()));
        ERR_clear_error();
    }
    EVP_PKEY_free(key);
    return ret;
}
