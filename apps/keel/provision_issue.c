/* The device identity certificate: the root of trust's identity key certified by the
 * manufacturer CA, so a cloud service can authenticate the device (mTLS) by a key that never
 * leaves the root of trust (5.4-1) without trusting anything the device says about itself. */
#include <openssl/x509v3.h>

#include "keel/tls.h"
#include "provision.h"

static int add_entry(X509_NAME *name, const char *field, const char *value)
{
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, (const unsigned char *)value, -1,
                                      -1, 0) == 1;
}

static keel_err fill(X509 *cert, const struct provision_ca *ca, EVP_PKEY *pub, const char *serial,
                     const char *model)
{
    X509_NAME *name = X509_get_subject_name(cert);
    keel_err ret = keel_tls_x509_random_serial(cert);

    if (ret != KEEL_OK)
        return ret;
    if (X509_set_version(cert, X509_VERSION_3) != 1 ||
        X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), PROVISION_CERT_DAYS, 0, NULL) == NULL ||
        !add_entry(name, "CN", serial) || !add_entry(name, "O", model) ||
        !add_entry(name, "serialNumber", serial) || X509_set_pubkey(cert, pub) != 1)
        return KEEL_ERR_CRYPTO;
    if (keel_tls_x509_add_ext(cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE") !=
            KEEL_OK ||
        keel_tls_x509_add_ext(cert, ca->cert, NID_key_usage, "critical,digitalSignature") !=
            KEEL_OK ||
        keel_tls_x509_add_ext(cert, ca->cert, NID_ext_key_usage, "clientAuth") != KEEL_OK ||
        keel_tls_x509_add_ext(cert, ca->cert, NID_subject_key_identifier, "hash") != KEEL_OK ||
        keel_tls_x509_add_ext(cert, ca->cert, NID_authority_key_identifier, "keyid:always") !=
            KEEL_OK)
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
