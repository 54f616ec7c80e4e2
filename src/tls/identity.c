/* The device's local HTTPS identity: a fresh P-256 key and a self-signed certificate
 * naming the device by serial, built with OpenSSL 3's EVP and X509 APIs. */

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"

#define HOSTNAME_MAX 64u

static keel_err add_extensions(X509 *cert, const char *serial)
{
    char host[HOSTNAME_MAX];
    char san[HOSTNAME_MAX + 32];
    keel_err ret = keel_tls_device_hostname(serial, host, sizeof(host));

    if (ret == KEEL_OK)
        ret = keel_str_format(san, sizeof(san), "DNS:%s,IP:127.0.0.1", host);
    if (ret != KEEL_OK)
        return ret;
    if (keel_tls_x509_add_ext(cert, NULL, NID_basic_constraints, "critical,CA:FALSE") != KEEL_OK ||
        keel_tls_x509_add_ext(cert, NULL, NID_key_usage, "critical,digitalSignature") != KEEL_OK ||
        keel_tls_x509_add_ext(cert, NULL, NID_ext_key_usage, "serverAuth") != KEEL_OK ||
        keel_tls_x509_add_ext(cert, NULL, NID_subject_key_identifier, "hash") != KEEL_OK ||
        keel_tls_x509_add_ext(cert, NULL, NID_subject_alt_name, san) != KEEL_OK)
        return KEEL_ERR_CRYPTO;
    return KEEL_OK;
}

static keel_err fill_certificate(X509 *cert, EVP_PKEY *key, const char *serial)
{
    X509_NAME *name = X509_get_subject_name(cert);
    keel_err ret = keel_tls_x509_random_serial(cert);

    if (ret != KEEL_OK)
        return ret;
    if (X509_set_version(cert, X509_VERSION_3) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(cert), 0) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), KEEL_TLS_IDENTITY_DAYS, 0, NULL) == NULL ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)serial, -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(cert, name) != 1 || X509_set_pubkey(cert, key) != 1)
        return KEEL_ERR_CRYPTO;
    ret = add_extensions(cert, serial);
    if (ret != KEEL_OK)
        return ret;
    return X509_sign(cert, key, EVP_sha256()) > 0 ? KEEL_OK : KEEL_ERR_CRYPTO;
}

keel_err keel_tls_identity_generate(const char *serial, EVP_PKEY **key, X509 **cert)
{
    EVP_PKEY *k = NULL;
    X509 *c = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (serial == NULL || key == NULL || cert == NULL)
        return KEEL_ERR_ARG;
    *key = NULL;
    *cert = NULL;
    ret = keel_tls_serial_check(serial);
    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    k = EVP_EC_gen("P-256");
    c = X509_new();
    if (k == NULL || c == NULL)
        goto out;
    ret = fill_certificate(c, k, serial);
    if (ret != KEEL_OK)
        goto out;
    *key = k;
    *cert = c;
    k = NULL;
    c = NULL;
out:
    EVP_PKEY_free(k); /* frees (and clears) the private scalar */
    X509_free(c);
    return ret;
}
