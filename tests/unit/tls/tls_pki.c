/* See tls_pki.h. Test code: every failure is a cmocka assertion. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "keel/core.h"
#include "tls_pki.h"

EVP_PKEY *pki_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");

    assert_non_null(k);
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&v3, issuer != NULL ? issuer : cert, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(cert, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *base(EVP_PKEY *subject, const char *cn)
{
    static long serial = 1000;
    X509 *cert = X509_new();

    assert_non_null(cert);
    assert_int_equal(X509_set_version(cert, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), -60));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), 3600));
    assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                                (const unsigned char *)cn, -1, -1, 0),
                     1);
    assert_int_equal(X509_set_pubkey(cert, subject), 1);
    return cert;
}

X509 *pki_ca(EVP_PKEY *key, const char *cn)
{
    X509 *cert = base(key, cn);

    assert_int_equal(X509_set_issuer_name(cert, X509_get_subject_name(cert)), 1);
    add_ext(cert, NULL, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert, NULL, NID_subject_key_identifier, "hash");
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
    return cert;
}

X509 *pki_leaf(EVP_PKEY *ca_key, X509 *ca, EVP_PKEY *subject, const char *cn, const char *san,
               const char *eku)
{
    X509 *cert = base(subject, cn);

    assert_int_equal(X509_set_issuer_name(cert, X509_get_subject_name(ca)), 1);
    add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert, ca, NID_key_usage, "critical,digitalSignature");
    add_ext(cert, ca, NID_ext_key_usage, eku);
    add_ext(cert, ca, NID_authority_key_identifier, "keyid");
    if (san != NULL)
        add_ext(cert, ca, NID_subject_alt_name, san);
    assert_true(X509_sign(cert, ca_key, EVP_sha256()) > 0);
    return cert;
}

void pki_write(const char *path, X509 *first, ...)
{
    FILE *f = fopen(path, "w");
    va_list ap;

    assert_non_null(f);
    va_start(ap, first);
    for (X509 *c = first; c != NULL; c = va_arg(ap, X509 *))
        assert_int_equal(PEM_write_X509(f, c), 1);
    va_end(ap);
    assert_int_equal(fclose(f), 0);
}

void pki_tempdir(char *out, size_t outsz)
{
    const char *base_dir = getenv("TMPDIR");

    assert_int_equal(
        keel_str_format(out, outsz, "%s/keel-tls-XXXXXX", base_dir != NULL ? base_dir : "/tmp"),
        KEEL_OK);
    assert_non_null(mkdtemp(out));
}

void pki_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (keel_str_format(path, sizeof(path), "%s/%s", dir, e->d_name) == KEEL_OK)
            (void)unlink(path);
    }
    closedir(d);
    (void)rmdir(dir);
}

struct pki_result pki_handshake(SSL_CTX *sctx, SSL_CTX *cctx, const char *sni)
{
    struct pki_result r = {0};
    SSL *s = SSL_new(sctx);
    SSL *c = SSL_new(cctx);
    BIO *sb = NULL;
    BIO *cb = NULL;
    int sdone = 0;
    int cdone = 0;

    assert_non_null(s);
    assert_non_null(c);
    assert_int_equal(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
    SSL_set_bio(s, sb, sb);
    SSL_set_bio(c, cb, cb);
    SSL_set_accept_state(s);
    SSL_set_connect_state(c);
    if (sni != NULL)
        assert_int_equal(SSL_set_tlsext_host_name(c, sni), 1);
    for (int round = 0; round < 50 && !(sdone && cdone); round++) {
        if (!cdone) {
            int rc = SSL_do_handshake(c);
            cdone = rc == 1;
            if (rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ)
                break;
        }
        if (!sdone) {
            int rs = SSL_do_handshake(s);
            sdone = rs == 1;
            r.server_err = rs == 1 ? SSL_ERROR_NONE : SSL_get_error(s, rs);
            if (rs <= 0 && r.server_err != SSL_ERROR_WANT_READ)
                break;
        }
    }
    /* TLS 1.3: the server sees a bad client certificate only once it reads after the
     * client's Finished; a byte of application data settles it either way. */
    if (sdone && cdone) {
        char byte = 'k';
        char got = 0;
        r.ok = SSL_write(c, &byte, 1) == 1 && SSL_read(s, &got, 1) == 1 && got == 'k';
    }
    r.verify_result = SSL_get_verify_result(c);
    if (r.ok) {
        X509 *peer = SSL_get0_peer_certificate(s);
        r.version = SSL_version(s);
        (void)keel_str_copy(r.cipher, sizeof(r.cipher), SSL_get_cipher_name(s));
        r.client_cert = peer != NULL;
        (void)SSL_get_peer_signature_nid(s, &r.peer_sig_nid);
    }
    ERR_clear_error();
    SSL_free(s);
    SSL_free(c);
    return r;
}

SSL_CTX *pki_server(X509 *cert, EVP_PKEY *key, X509 *client_ca, int min, int max,
                    const char *ciphers, int weak)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    assert_non_null(ctx);
    if (weak)
        SSL_CTX_set_security_level(ctx, 0);
    if (min != 0)
        assert_int_equal(SSL_CTX_set_min_proto_version(ctx, min), 1);
    if (max != 0)
        assert_int_equal(SSL_CTX_set_max_proto_version(ctx, max), 1);
    if (ciphers != NULL)
        assert_int_equal(SSL_CTX_set_cipher_list(ctx, ciphers), 1);
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    if (client_ca != NULL) {
        assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), client_ca), 1);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return ctx;
}
