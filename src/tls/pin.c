/* The public-key pin of a server (5.5-7): the SHA-256 of its DER SubjectPublicKeyInfo (the
 * value HPKP and `openssl pkey -pubin -outform DER | sha256sum` give), which survives a
 * certificate renewed with the same key. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keel/tls.h"

keel_err keel_tls_spki_sha256(X509 *cert, uint8_t out[KEEL_TLS_PIN_SIZE])
{
    unsigned char *der = NULL;
    unsigned int n = 0;
    int len;
    keel_err ret = KEEL_ERR_CRYPTO;

    if (cert == NULL || out == NULL)
        return KEEL_ERR_ARG;
    /* Not X509_pubkey_digest: that hashes only the key's bit string, not the whole SPKI. */
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    if (len > 0 && EVP_Digest(der, (size_t)len, out, &n, EVP_sha256(), NULL) == 1 &&
        n == KEEL_TLS_PIN_SIZE)
        ret = KEEL_OK;
    else
        keel_wipe(out, KEEL_TLS_PIN_SIZE);
    OPENSSL_free(der);
    return ret;
}
