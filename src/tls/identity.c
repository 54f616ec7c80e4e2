/* The device's local HTTPS identity: a fresh P-256 key and a self-signed certificate
 * naming the device by serial, built with OpenSSL 3's EVP and X509 APIs. */
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"

#define HOSTNAME_MAX 64u

/* A positive 128-bit serial number from the CSPRNG (RFC 5280 allows up to 20 octets). */
static keel_err set_serial_number(X509 *cert)
{
    uint8_t raw[16];
    BIGNUM *bn = NULL;
    keel_err ret = keel_random(raw, sizeof(raw));

    if (ret != KEEL_OK)
        return ret;
    raw[0] &= 0x7f;
    raw[0] |= 0x40; /* never zero, never negative */
    ret = KEEL_ERR_CRYPTO;
    bn = BN_bin2bn(raw, sizeof(raw), NULL);
    if (bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
        ret = KEEL_OK;
    BN_free(bn);
    return ret;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static keel_err add_extensions(X509 *cert, const char *serial)
{
    char host[HOSTNAME_MAX];
    char san[HOSTNAME_MAX + 32];
    keel_err ret = keel_tls_device_hostname(serial, host, sizeof(host));

    if (ret == KEEL_OK)
        ret = keel_str_format(san, sizeof(san), "DNS:%s,IP:127.0.0.1", host);
    if (ret != KEEL_OK)
        return ret;
    if (!add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(cert, NID_ext_key_usage, "serverAuth") ||
        !add_ext(cert, NID_subject_key_identifier, "hash") ||
        !add_ext(cert, NID_subject_alt_name, san))
        return KEEL_ERR_CRYPTO;
    return KEEL_OK;
}

static keel_err fill_certificate(X509 *cert, EVP_PKEY *key, const char *serial)
{
    X509_NAME *name = X509_get_subject_name(cert);
    keel_err ret = set_serial_number(cert);

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
