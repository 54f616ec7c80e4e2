/* Building blocks for the certificates keel issues: the device's local HTTPS certificate
 * (self-signed, src/tls/identity.c) and its identity certificate from the manufacturer CA
 * (keel provision). */
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"

keel_err keel_tls_x509_random_serial(X509 *cert)
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

keel_err keel_tls_x509_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    if (cert == NULL || value == NULL)
        return KEEL_ERR_ARG;
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return KEEL_ERR_CRYPTO;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? KEEL_OK : KEEL_ERR_CRYPTO;
}
