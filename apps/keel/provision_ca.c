/* The manufacturer CA: loaded once for a run and checked before any device is made, so a
 * wrong key, an expired certificate or a certificate that is no CA stops the factory
 * before it writes anything (fail closed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "provision.h"

#define CA_FILE_MAX ((size_t)256 * 1024)

/* Never prompt for a passphrase: an encrypted CA key is refused with a clear message. */
static int no_passphrase(char *buf, int size, int rwflag, void *user)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)user;
    return -1;
}

/* Every certificate of the n bytes at pem, re-encoded as PEM into ca->chain_pem (so ca.pem
 * holds certificates and nothing else the file may carry); the first is the issuer. */
static keel_err parse_chain(struct provision_ca *ca, const char *pem, size_t n)
{
    BIO *in = BIO_new_mem_buf(pem, (int)n);
    BIO *out = BIO_new(BIO_s_mem());
    X509 *cert = NULL;
    char *data = NULL;
    long len;
    keel_err ret = KEEL_ERR_NOMEM;

    if (in == NULL || out == NULL)
        goto out;
    ret = KEEL_ERR_PARSE;
    while ((cert = PEM_read_bio_X509(in, NULL, no_passphrase, NULL)) != NULL) {
        if (PEM_write_bio_X509(out, cert) != 1)
            goto out;
        if (ca->cert == NULL)
            ca->cert = cert;
        else
            X509_free(cert);
        cert = NULL;
    }
    len = BIO_get_mem_data(out, &data);
    if (ca->cert == NULL || len <= 0)
        goto out;
    ret = KEEL_ERR_NOMEM;
    ca->chain_pem = malloc((size_t)len + 1);
    if (ca->chain_pem == NULL)
        goto out;
    memcpy(ca->chain_pem, data, (size_t)len);
    ca->chain_pem[len] = '\0';
    ca->chain_pem_len = (size_t)len;
    ret = KEEL_OK;
out:
    ERR_clear_error();
    X509_free(cert);
    BIO_free(in);
    BIO_free(out);
    return ret;
}

static keel_err load_chain(struct provision_ca *ca, const char *path, char *err, size_t errsz)
{
    char *pem = NULL;
    size_t len = 0;
    keel_err ret = keel_file_read(path, CA_FILE_MAX, &pem, &len);

    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "--ca-cert %s: %s", path, keel_strerror(ret));
        return ret;
    }
    ret = parse_chain(ca, pem, len);
    if (ret == KEEL_ERR_PARSE)
        keel_str_format(err, errsz, "--ca-cert %s: no PEM certificate in it", path);
    else if (ret != KEEL_OK)
        keel_str_format(err, errsz, "--ca-cert %s: %s", path, keel_strerror(ret));
    keel_file_free(pem, len);
    return ret;
}

static keel_err load_key(struct provision_ca *ca, const char *path, char *err, size_t errsz)
{
    char *pem = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    keel_err ret = keel_file_read(path, CA_FILE_MAX, &pem, &len);

    if (ret != KEEL_OK) {
        keel_str_format(err, errsz, "--ca-key %s: %s", path, keel_strerror(ret));
        return ret;
    }
    ret = KEEL_ERR_PARSE;
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio != NULL)
        ca->key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (ca->key != NULL)
        ret = KEEL_OK;
    else
        keel_str_format(err, errsz,
                        "--ca-key %s: not an unencrypted PEM private key (encrypted keys are "
                        "refused, never prompted for)",
                        path);
    BIO_free(bio);
    keel_file_free(pem, len);
    ERR_clear_error();
    return ret;
}

/* The certificate may issue: it is a CA by basicConstraints and, when keyUsage is there,
 * may sign certificates; and it is valid now. */
static keel_err check_issuer(X509 *cert, char *err, size_t errsz)
{
    uint32_t flags = X509_get_extension_flags(cert);

    if ((flags & EXFLAG_INVALID) != 0) {
        keel_str_format(err, errsz, "the CA certificate has malformed extensions");
        return KEEL_ERR_PARSE;
    }
    if ((flags & EXFLAG_BCONS) == 0 || (flags & EXFLAG_CA) == 0) {
        keel_str_format(err, errsz, "the CA certificate is not a CA (no basicConstraints CA:TRUE)");
        return KEEL_ERR_PERM;
    }
    if ((flags & EXFLAG_KUSAGE) != 0 && (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) == 0) {
        keel_str_format(err, errsz, "the CA certificate's keyUsage lacks keyCertSign");
        return KEEL_ERR_PERM;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
        keel_str_format(err, errsz, "the CA certificate is not valid yet");
        return KEEL_ERR_PERM;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
        keel_str_format(err, errsz, "the CA certificate has expired");
        return KEEL_ERR_PERM;
    }
    return KEEL_OK;
}

/* A device certificate outliving its CA fails chain validation from the CA's end on: not
 * an error for the factory (the CA may be renewed under the same key), but worth saying. */
static void warn_short_ca(X509 *cert)
{
    time_t horizon = time(NULL) + (time_t)PROVISION_CERT_DAYS * 24 * 3600;

    if (X509_cmp_time(X509_get0_notAfter(cert), &horizon) < 0)
        keel_log(KEEL_LOG_WARN,
                 "provision: the CA certificate expires before the %d-day "
                 "device certificates it issues",
                 PROVISION_CERT_DAYS);
}

keel_err provision_ca_load(struct provision_ca *ca, const char *cert_path, const char *key_path,
                           char *err, size_t errsz)
{
    keel_err ret;

    memset(ca, 0, sizeof(*ca));
    ret = load_chain(ca, cert_path, err, errsz);
    if (ret == KEEL_OK)
        ret = load_key(ca, key_path, err, errsz);
    if (ret == KEEL_OK)
        ret = check_issuer(ca->cert, err, errsz);
    if (ret == KEEL_OK && X509_check_private_key(ca->cert, ca->key) != 1) {
        keel_str_format(err, errsz, "--ca-key %s does not match the certificate in --ca-cert %s",
                        key_path, cert_path);
        ret = KEEL_ERR_PERM;
    }
    if (ret == KEEL_OK)
        warn_short_ca(ca->cert);
    ERR_clear_error();
    if (ret != KEEL_OK)
        provision_ca_free(ca);
    return ret;
}

void provision_ca_free(struct provision_ca *ca)
{
    if (ca == NULL)
        return;
    X509_free(ca->cert);
    EVP_PKEY_free(ca->key);
    free(ca->chain_pem);
    memset(ca, 0, sizeof(*ca));
}
