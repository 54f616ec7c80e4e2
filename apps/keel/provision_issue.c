/* The device identity certificate: the root of trust's identity key certified by the
 * manufacturer CA, so a cloud service can authenticate the device (mTLS) by a key that never
 * leaves the root of trust (5.4-1) without trusting anything the device says about itself. */
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "provision.h"

/* A positive 128-bit certificate serial number from the CSPRNG. */
static keel_err set_serial_number(X509 *cert)
{
    uint8_t raw[16];
    BIGNUM *bn = NULL;
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret != KEEL_OK)
        return ret;
    raw[0] &= 0x7f;
    raw[0] |= 0x40; /* never zero, never negative, always 16 octets */
    ret = KEEL_ERR_CRYPTO;
    bn = BN_bin2bn(raw, sizeof(raw), NULL);
    if (bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
        ret = KEEL_OK;
    BN_free(bn);
    return ret;
}

static int add_entry(X509_NAME *name, const char *field, const char *value)
{
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, (const unsigned char *)value, -1,
                                      -1, 0) == 1;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static keel_err fill(X509 *cert, const struct provision_ca *ca, EVP_PKEY *pub, const char *serial,
                     const char *model)
{
    X509_NAME *name = X509_get_subject_name(cert);
    keel_err ret = set_serial_number(cert);

    if (ret != KEEL_OK)
        return ret;
    if (X509_set_version(cert, X509_VERSION_3) != 1 ||
        X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), PROVISION_CERT_DAYS, 0, NULL) == NULL ||
        !add_entry(name, "CN", serial) || !add_entry(name, "O", model) ||
        !add_entry(name, "serialNumber", serial) || X509_set_pubkey(cert, pub) != 1)
        return KEEL_ERR_CRYPTO;
    if (!add_ext(cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert, ca->cert, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(cert, ca->cert, NID_ext_key_usage, "clientAuth") ||
        !add_ext(cert, ca->cert, NID_subject_key_identifier, "hash") ||
        !add_ext(cert, ca->cert, NID_authority_key_identifier, "keyid:always"))
        return KEEL_ERR_CRYPTO;
    return KEEL_OK;
}

/* EdDSA keys hash internally and take no separate digest; every other CA key signs
 * with SHA-256. */
static const EVP_MD *signing_digest(EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
        return NULL;
    return EVP_sha256();
}

keel_err provision_ca_issue(const struct provision_ca *ca, EVP_PKEY *pub, const char *serial,
                            const char *model, X509 **out)
{
    X509 *cert = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (ca == NULL || pub == NULL || serial == NULL || model == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    ret = KEEL_ERR_NOMEM;
    cert = X509_new();
    if (cert == NULL)
        goto out;
    ret = fill(cert, ca, pub, serial, model);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    if (X509_sign(cert, ca->key, signing_digest(ca->key)) <= 0)
        goto out;
    *out = cert;
    cert = NULL;
    ret = KEEL_OK;
out:
    X509_free(cert);
    return ret;
}
