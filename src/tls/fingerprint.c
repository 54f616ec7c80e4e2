/* The certificate fingerprint printed on the label, so the owner can check the first
 * HTTPS connection to the device against something the network cannot change. */
#include <openssl/evp.h>

#include "keel/tls.h"

keel_err keel_tls_cert_fingerprint(X509 *cert, char out[KEEL_TLS_FINGERPRINT_SIZE])
{
    static const char digits[] = "0123456789ABCDEF";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (cert == NULL || out == NULL)
        return KEEL_ERR_ARG;
    out[0] = '\0';
    if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
        return KEEL_ERR_CRYPTO;
    for (size_t i = 0; i < n; i++) {
        out[3 * i] = digits[md[i] >> 4];
        out[3 * i + 1] = digits[md[i] & 0x0f];
        out[3 * i + 2] = (i + 1 < n) ? ':' : '\0';
    }
    return KEEL_OK;
}
