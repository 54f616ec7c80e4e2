/* Storing the local HTTPS identity: the key readable by its owner only, both files
 * replaced atomically so a power cut never leaves a half-written key. */
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/pem.h>

#include "keel/tls.h"

/* Write the PEM text in bio to path, then wipe the text (it may be a private key). */
static keel_err bio_to_file(BIO *bio, const char *path, mode_t mode)
{
    BUF_MEM *bm = NULL;
    keel_err ret;

    if (BIO_get_mem_ptr(bio, &bm) != 1 || bm == NULL || bm->length == 0)
        return KEEL_ERR_CRYPTO;
    ret = keel_file_write_atomic(path, bm->data, bm->length, mode);
    keel_wipe(bm->data, bm->length);
    return ret;
}

keel_err keel_tls_identity_write(EVP_PKEY *key, X509 *cert, const char *key_path,
                                 const char *cert_path)
{
    BIO *kb = NULL;
    BIO *cb = NULL;
    keel_err ret = KEEL_ERR_ARG;

    if (key == NULL || cert == NULL || key_path == NULL || cert_path == NULL)
        return KEEL_ERR_ARG;
    ret = KEEL_ERR_NOMEM;
    kb = BIO_new(BIO_s_mem());
    cb = BIO_new(BIO_s_mem());
    if (kb == NULL || cb == NULL)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    if (PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        PEM_write_bio_X509(cb, cert) != 1)
        goto out;
    ret = bio_to_file(kb, key_path, 0600);
    if (ret == KEEL_OK)
        ret = bio_to_file(cb, cert_path, 0644);
out:
    if (kb != NULL) {
        BUF_MEM *bm = NULL;
        if (BIO_get_mem_ptr(kb, &bm) == 1 && bm != NULL)
            keel_wipe(bm->data, bm->length);
    }
    BIO_free(kb);
    BIO_free(cb);
    return ret;
}
