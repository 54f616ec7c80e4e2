/* One device, made whole or not at all (fail closed): everything is written into a fresh
 * 0700 directory beside the final one, the labels are written, and only then is the
 * directory renamed into place. Any failure removes what was made and names the step. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "keel/rot.h"
#include "keel/store.h"
#include "keel/tls.h"
#include "provision.h"

/* What one device's making holds while it runs. */
struct making {
    char tmp[PROVISION_PATH_MAX];
    keel_rot *rot;
    X509 *identity_cert;
    int labels_written;
};

static keel_err path_in(char out[PROVISION_PATH_MAX], const char *dir, const char *name)
{
    return keel_str_format(out, PROVISION_PATH_MAX, "%s/%s", dir, name);
}

static keel_err write_cert_pem(const char *dir, const char *name, X509 *cert)
{
    char path[PROVISION_PATH_MAX];
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    keel_err ret = path_in(path, dir, name);

    if (ret == KEEL_OK && (bio == NULL || PEM_write_bio_X509(bio, cert) != 1))
        ret = KEEL_ERR_CRYPTO;
    if (ret == KEEL_OK) {
        len = BIO_get_mem_data(bio, &data);
        ret = len > 0 ? keel_file_write_atomic(path, data, (size_t)len, 0644) : KEEL_ERR_CRYPTO;
    }
    BIO_free(bio);
    return ret;
}

/* The identity key signs a fresh challenge and the issued certificate's public key verifies
 * it: the certificate is proven to name the key the root of trust holds. */
static keel_err check_possession(keel_rot *rot, EVP_PKEY *key, X509 *cert)
{
    uint8_t challenge[32];
    uint8_t sig[256];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    keel_err ret = keel_random(challenge, sizeof(challenge));

    if (ret != KEEL_OK)
        goto out;
    ret = KEEL_ERR_CRYPTO;
    if (md == NULL ||
        EVP_DigestSignInit_ex(md, NULL, "SHA256", keel_rot_libctx(rot), keel_rot_propq(rot), key,
                              NULL) != 1 ||
        EVP_DigestSign(md, sig, &siglen, challenge, sizeof(challenge)) != 1)
        goto out;
    EVP_MD_CTX_free(md);
    md = EVP_MD_CTX_new();
    if (md == NULL ||
        EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, X509_get0_pubkey(cert), NULL) !=
            1 ||
        EVP_DigestVerify(md, sig, siglen, challenge, sizeof(challenge)) != 1)
        goto out;
    ret = KEEL_OK;
out:
    EVP_MD_CTX_free(md);
    return ret;
}

/* The public half of key as a plain default-provider key (key may live in the TPM). */
static keel_err public_only(EVP_PKEY *key, EVP_PKEY **pub)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    int len = i2d_PUBKEY(key, &der);

    *pub = NULL;
    if (len <= 0)
        return KEEL_ERR_CRYPTO;
    p = der;
    *pub = d2i_PUBKEY(NULL, &p, len);
    OPENSSL_free(der);
    return *pub != NULL ? KEEL_OK : KEEL_ERR_CRYPTO;
}

/* The root of trust: a sealed storage key and the identity key (5.4-1). */
static keel_err make_rot(struct making *m, const struct provision_job *job,
                         struct provision_device *dev)
{
    char rot_dir[PROVISION_PATH_MAX];
    keel_err ret = path_in(rot_dir, m->tmp, PROVISION_ROT_DIR);

    if (ret == KEEL_OK)
        ret = keel_rot_open(job->rot_spec, rot_dir, &m->rot);
    if (ret != KEEL_OK)
        return ret;
    dev->rot_backend = keel_rot_backend_name(keel_rot_backend_of(m->rot));
    ret = keel_rot_storage_key_create(m->rot);
    if (ret == KEEL_OK)
        ret = keel_rot_identity_create(m->rot);
    return ret;
}

/* The identity key certified by the manufacturer CA and proven to sign; the certificate
 * and the CA chain written beside it. */
static keel_err certify(struct making *m, const struct provision_job *job,
                        struct provision_device *dev)
{
    char path[PROVISION_PATH_MAX];
    EVP_PKEY *key = NULL;
    EVP_PKEY *pub = NULL;
    keel_err ret = keel_rot_identity_key(m->rot, &key);

    if (ret == KEEL_OK)
        ret = public_only(key, &pub);
    if (ret == KEEL_OK)
        ret = provision_ca_issue(job->ca, pub, dev->serial, dev->model, &m->identity_cert);
    if (ret == KEEL_OK)
        ret = check_possession(m->rot, key, m->identity_cert);
    if (ret == KEEL_OK)
        ret = write_cert_pem(m->tmp, PROVISION_ID_CERT_FILE, m->identity_cert);
    if (ret == KEEL_OK)
        ret = provision_cert_sha256(m->identity_cert, dev->identity_sha256);
    if (ret == KEEL_OK)
        ret = path_in(path, m->tmp, PROVISION_CA_FILE);
    if (ret == KEEL_OK)
        ret = keel_file_write_atomic(path, job->ca->chain_pem, job->ca->chain_pem_len, 0644);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(key);
    return ret;
}

/* The label password (5.1-1, 5.1-2): kept for the label, stored in the device only as its
 * Argon2id hash, in the secure store (5.4-1), never in a file of the data directory. */
static keel_err make_store(struct making *m, struct provision_device *dev)
{
    char path[PROVISION_PATH_MAX];
    char hash[KEEL_AUTH_HASH_MAX];
    keel_store *store = NULL;
    keel_err ret;

    ret = keel_auth_label_password(&dev->password);
    if (ret == KEEL_OK)
        ret = keel_auth_hash_password(&dev->password, hash, sizeof(hash));
    if (ret == KEEL_OK)
        ret = path_in(path, m->tmp, PROVISION_STORE_FILE);
    if (ret == KEEL_OK)
        ret = keel_store_create(path, m->rot);
    if (ret == KEEL_OK)
        ret = keel_store_open(path, m->rot, &store);
    if (ret == KEEL_OK)
        ret = keel_store_put(store, PROVISION_LABEL_HASH_RECORD, hash, strlen(hash));
    keel_store_close(store);
    keel_wipe(hash, sizeof(hash));
    return ret;
}

/* The local HTTPS key and self-signed certificate, as files for now: this key moves into the
 * root of trust in a later issue (keeld's TLS server then signs through the rot). */
static keel_err make_https(struct making *m, struct provision_device *dev)
{
    char kp[PROVISION_PATH_MAX];
    char cp[PROVISION_PATH_MAX];
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    keel_err ret = path_in(kp, m->tmp, PROVISION_KEY_FILE);

    if (ret == KEEL_OK)
        ret = path_in(cp, m->tmp, PROVISION_CERT_FILE);
    if (ret == KEEL_OK)
        ret = keel_tls_identity_generate(dev->serial, &key, &cert);
    if (ret == KEEL_OK)
        ret = keel_tls_identity_write(key, cert, kp, cp);
    if (ret == KEEL_OK)
        ret = provision_cert_sha256(cert, dev->https_sha256);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ret;
}

static keel_err write_labels(const struct provision_job *job, const struct provision_device *dev)
{
    char text[PROVISION_LABEL_MAX];
    keel_err ret = KEEL_OK;

    if (job->label_txt != NULL) {
        ret = provision_label_format(text, sizeof(text), dev);
        if (ret == KEEL_OK)
            ret = keel_file_write_atomic(job->label_txt, text, strlen(text), 0600);
    }
    if (ret == KEEL_OK && job->label_png != NULL) {
        ret = provision_setup_uri(text, sizeof(text), dev);
        if (ret == KEEL_OK)
            ret = provision_qr_png_write(job->label_png, text);
    }
    keel_wipe(text, sizeof(text));
    return ret;
}

/* Make the temporary directory "<data_dir>.tmp-XXXXXX" beside the final one, so the rename
 * stays within one file system. */
static keel_err make_tmp(struct making *m, const char *data_dir)
{
    size_t n = strlen(data_dir);

    while (n > 1 && data_dir[n - 1] == '/')
        n--;
    if (keel_str_format(m->tmp, sizeof(m->tmp), "%.*s.tmp-XXXXXX", (int)n, data_dir) != KEEL_OK)
        return KEEL_ERR_RANGE;
    return mkdtemp(m->tmp) != NULL ? KEEL_OK : KEEL_ERR_IO;
}

/* Rename the finished directory into place and make the rename durable. rename(2) replaces
 * an empty directory and refuses one that has anything in it. */
static keel_err move_into_place(const char *tmp, const char *data_dir)
{
    if (rename(tmp, data_dir) != 0)
        return errno == ENOTEMPTY || errno == EEXIST ? KEEL_ERR_EXISTS : KEEL_ERR_IO;
    return keel_file_sync_parent(data_dir);
}

static void abandon(struct making *m, const struct provision_job *job)
{
    if (m->tmp[0] != '\0' && provision_tree_remove(m->tmp) != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "provision: could not remove the unfinished %s", m->tmp);
    if (m->labels_written) {
        if (job->label_txt != NULL)
            unlink(job->label_txt);
        if (job->label_png != NULL)
            unlink(job->label_png);
    }
}

/* The steps, in order; each names itself in the error message when it fails. */
static keel_err run_steps(struct making *m, const struct provision_job *job,
                          struct provision_device *dev, const char **step)
{
    keel_err ret;

    *step = "making a directory beside the data directory";
    ret = make_tmp(m, job->data_dir);
    if (ret != KEEL_OK)
        return ret;
    *step = "opening the root of trust and making its keys";
    ret = make_rot(m, job, dev);
    if (ret == KEEL_OK) {
        *step = "certifying the identity key";
        ret = certify(m, job, dev);
    }
    if (ret == KEEL_OK) {
        *step = "making the label password and the secure store";
        ret = make_store(m, dev);
    }
    keel_rot_close(m->rot); /* closed before the rename: its state moves with the directory */
    m->rot = NULL;
    if (ret != KEEL_OK)
        return ret;
    *step = "making the local HTTPS key and certificate";
    ret = make_https(m, dev);
    if (ret == KEEL_OK) {
        *step = "writing identity.json";
        ret = provision_identity_write(m->tmp, dev);
    }
    if (ret == KEEL_OK) {
        *step = "writing the label";
        m->labels_written = 1;
        ret = write_labels(job, dev);
    }
    if (ret == KEEL_OK) {
        *step = "moving the device into place";
        ret = move_into_place(m->tmp, job->data_dir);
    }
    return ret;
}

keel_err provision_device_make(const struct provision_job *job, struct provision_device *dev,
                               char *err, size_t errsz)
{
    struct making m;
    const char *step = "checking the data directory";
    keel_err ret;

    memset(&m, 0, sizeof(m));
    ret = provision_target_check(job->data_dir);
    if (ret == KEEL_OK)
        ret = run_steps(&m, job, dev, &step);
    if (ret != KEEL_OK) {
        keel_rot_close(m.rot);
        abandon(&m, job);
        keel_secret_clear(&dev->password);
        keel_str_format(err, errsz, "%s: %s", step,
                        ret == KEEL_ERR_EXISTS ? "refusing to overwrite an existing identity"
                                               : keel_strerror(ret));
    }
    X509_free(m.identity_cert);
    return ret;
}
