/* The policy (5.5-1) under real OpenSSL handshakes over in-memory BIO pairs: a server
 * context with keel's policy and a certificate from keel's generator, and clients that
 * offer too little. Each refusal has a control case showing that the same client gets
 * through to a server without the policy, so the refusal is the policy's doing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"
#include "tls_pki.h"

/* The handshake over a BIO pair is tls_pki's; no SNI here. */
static struct pki_result handshake(SSL_CTX *sctx, SSL_CTX *cctx)
{
    return pki_handshake(sctx, cctx, NULL);
}

static SSL_CTX *server_ctx(EVP_PKEY *key, X509 *cert, int with_policy)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

    assert_non_null(ctx);
    if (with_policy) {
        assert_int_equal(keel_tls_server_policy_apply(ctx), KEEL_OK);
    } else {
        /* the weakest server OpenSSL can still be: the control for every refusal */
        SSL_CTX_set_security_level(ctx, 0);
        assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION), 1);
        assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0"), 1);
        assert_int_equal(SSL_CTX_set_dh_auto(ctx, 1), 1);
    }
    assert_int_equal(SSL_CTX_use_certificate(ctx, cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
    return ctx;
}

/* A client that will do whatever it is told, however weak. */
static SSL_CTX *client_ctx(int min, int max, const char *ciphers)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    assert_non_null(ctx);
    SSL_CTX_set_security_level(ctx, 0);
    assert_int_equal(SSL_CTX_set_min_proto_version(ctx, min), 1);
    assert_int_equal(SSL_CTX_set_max_proto_version(ctx, max), 1);
    if (ciphers != NULL)
        assert_int_equal(SSL_CTX_set_cipher_list(ctx, ciphers), 1);
    return ctx;
}

struct keys {
    EVP_PKEY *ec_key;
    X509 *ec_cert;
    EVP_PKEY *rsa_key;
    X509 *rsa_cert;
};

/* An RSA server certificate, to show that static-RSA key exchange is refused by the
 * policy rather than made impossible by an ECDSA certificate. */
static X509 *self_signed_rsa(EVP_PKEY *key)
{
    X509 *cert = X509_new();

    assert_non_null(cert);
    assert_int_equal(X509_set_version(cert, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(cert), 7), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(cert), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(cert), 3600));
    assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                                                (const unsigned char *)"rsa", -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(cert, X509_get_subject_name(cert)), 1);
    assert_int_equal(X509_set_pubkey(cert, key), 1);
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
    return cert;
}

static int setup(void **state)
{
    static struct keys k;

    if (keel_tls_identity_generate("KL0123456789AB", &k.ec_key, &k.ec_cert) != KEEL_OK)
        return -1;
    k.rsa_key = EVP_RSA_gen(2048);
    if (k.rsa_key == NULL)
        return -1;
    k.rsa_cert = self_signed_rsa(k.rsa_key);
    *state = &k;
    return 0;
}

static int teardown(void **state)
{
    struct keys *k = *state;

    EVP_PKEY_free(k->ec_key);
    X509_free(k->ec_cert);
    EVP_PKEY_free(k->rsa_key);
    X509_free(k->rsa_cert);
    return 0;
}

static void expect_refused(struct keys *k, EVP_PKEY *key, X509 *cert, SSL_CTX *client)
{
    SSL_CTX *with = server_ctx(key, cert, 1);
    SSL_CTX *without = server_ctx(key, cert, 0);
    struct pki_result r = handshake(without, client);

    assert_true(r.ok); /* the client really can connect to a server without the policy */
    r = handshake(with, client);
    assert_false(r.ok);
    assert_int_equal(r.server_err, SSL_ERROR_SSL); /* refused by the server, not the client */
    (void)k;
    SSL_CTX_free(with);
    SSL_CTX_free(without);
    SSL_CTX_free(client);
}

static void test_tls13_by_default(void **state)
{
    struct keys *k = *state;
    SSL_CTX *s = server_ctx(k->ec_key, k->ec_cert, 1);
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    struct pki_result r = handshake(s, c);

    assert_true(r.ok);
    assert_int_equal(r.version, TLS1_3_VERSION);
    assert_string_equal(r.cipher, "TLS_AES_256_GCM_SHA384");
    SSL_CTX_free(s);
    SSL_CTX_free(c);
}

static void test_tls12_aead_accepted(void **state)
{
    struct keys *k = *state;
    SSL_CTX *s = server_ctx(k->ec_key, k->ec_cert, 1);
    SSL_CTX *c = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL);
    struct pki_result r = handshake(s, c);

    assert_true(r.ok);
    assert_int_equal(r.version, TLS1_2_VERSION);
    assert_string_equal(r.cipher, "ECDHE-ECDSA-AES256-GCM-SHA384");
    SSL_CTX_free(c);
    /* and over RSA certificates, ECDHE-RSA with AEAD */
    SSL_CTX_free(s);
    s = server_ctx(k->rsa_key, k->rsa_cert, 1);
    c = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, NULL);
    r = handshake(s, c);
    assert_true(r.ok);
    assert_string_equal(r.cipher, "ECDHE-RSA-AES256-GCM-SHA384");
    SSL_CTX_free(s);
    SSL_CTX_free(c);
}

static void test_tls11_refused(void **state)
{
    struct keys *k = *state;

    expect_refused(k, k->ec_key, k->ec_cert,
                   client_ctx(TLS1_VERSION, TLS1_1_VERSION, "ALL:@SECLEVEL=0"));
    expect_refused(k, k->ec_key, k->ec_cert,
                   client_ctx(TLS1_VERSION, TLS1_VERSION, "ALL:@SECLEVEL=0"));
}

static void test_cbc_refused(void **state)
{
    struct keys *k = *state;

    expect_refused(k, k->ec_key, k->ec_cert,
                   client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256"));
    expect_refused(k, k->ec_key, k->ec_cert,
                   client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES256-SHA"));
}

static void test_non_ecdhe_refused(void **state)
{
    struct keys *k = *state;

    expect_refused(k, k->rsa_key, k->rsa_cert,
                   client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "AES128-GCM-SHA256"));
    expect_refused(k, k->rsa_key, k->rsa_cert,
                   client_ctx(TLS1_2_VERSION, TLS1_2_VERSION, "DHE-RSA-AES128-GCM-SHA256"));
}

static void test_weak_group_refused(void **state)
{
    struct keys *k = *state;
    SSL_CTX *c = client_ctx(TLS1_3_VERSION, TLS1_3_VERSION, NULL);

    assert_int_equal(SSL_CTX_set1_groups_list(c, "ffdhe2048"), 1);
    expect_refused(k, k->ec_key, k->ec_cert, c);
}

static void test_options_held(void **state)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const keel_tls_policy *p = keel_tls_policy_get();
    uint64_t want = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET;

    (void)state;
    assert_int_equal(keel_tls_server_policy_apply(ctx), KEEL_OK);
    assert_int_equal(SSL_CTX_get_options(ctx) & want, want);
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    assert_int_equal(SSL_CTX_get_max_proto_version(ctx), 0);
    assert_int_equal(p->min_version, TLS1_2_VERSION);
    assert_string_equal(p->groups, "X25519:P-256:P-384");
    assert_int_equal(keel_tls_server_policy_apply(NULL), KEEL_ERR_ARG);
    SSL_CTX_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls13_by_default),  cmocka_unit_test(test_tls12_aead_accepted),
        cmocka_unit_test(test_tls11_refused),     cmocka_unit_test(test_cbc_refused),
        cmocka_unit_test(test_non_ecdhe_refused), cmocka_unit_test(test_weak_group_refused),
        cmocka_unit_test(test_options_held),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
