/* TLS client contexts (5.5-1, 5.5-7, 5.8-2) under real handshakes over BIO pairs: the
 * policy read back; the server verified by CA, name and pin, each refusal beside the case
 * that passes; servers that offer too little refused; the client's certificate presented
 * and its signature limited to what its key's size calls for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "keel/tls.h"
#include "tls_pki.h"

struct fixture {
    char dir[256];
    char ca_file[300];    /* the CA that issued the server's and the client's certificates */
    char other_ca[300];   /* an unrelated CA */
    char client_pem[300]; /* the client's chain */
    char garbage[300];
    EVP_PKEY *ca_key, *server_key, *client_key, *other_key;
    X509 *ca, *server_cert, *client_cert, *other;
};

static struct fixture fx;

static void path(char *out, size_t outsz, const char *name)
{
    assert_int_equal(keel_str_format(out, outsz, "%s/%s", fx.dir, name), KEEL_OK);
}

static int setup(void **state)
{
    FILE *f;

    (void)state;
    pki_tempdir(fx.dir, sizeof(fx.dir));
    fx.ca_key = pki_key();
    fx.ca = pki_ca(fx.ca_key, "keel test CA");
    fx.other_key = pki_key();
    fx.other = pki_ca(fx.other_key, "another CA");
    fx.server_key = pki_key();
    fx.server_cert = pki_leaf(fx.ca_key, fx.ca, fx.server_key, "broker",
                              "DNS:broker.test,IP:127.0.0.1", "serverAuth");
    fx.client_key = pki_key();
    fx.client_cert = pki_leaf(fx.ca_key, fx.ca, fx.client_key, "KL0001", NULL, "clientAuth");
    path(fx.ca_file, sizeof(fx.ca_file), "ca.pem");
    path(fx.other_ca, sizeof(fx.other_ca), "other.pem");
    path(fx.client_pem, sizeof(fx.client_pem), "client.pem");
    path(fx.garbage, sizeof(fx.garbage), "garbage.pem");
    pki_write(fx.ca_file, fx.ca, NULL);
    pki_write(fx.other_ca, fx.other, NULL);
    pki_write(fx.client_pem, fx.client_cert, NULL);
    f = fopen(fx.garbage, "w");
    assert_non_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pki_rmtree(fx.dir);
    EVP_PKEY_free(fx.ca_key);
    EVP_PKEY_free(fx.server_key);
    EVP_PKEY_free(fx.client_key);
    EVP_PKEY_free(fx.other_key);
    X509_free(fx.ca);
    X509_free(fx.server_cert);
    X509_free(fx.client_cert);
    X509_free(fx.other);
    return 0;
}

static keel_tls_client_config config(void)
{
    keel_tls_client_config c;

    memset(&c, 0, sizeof(c));
    c.ca_file = fx.ca_file;
    c.host = "broker.test";
    c.cert_file = fx.client_pem;
    c.key = fx.client_key;
    return c;
}

static SSL_CTX *client(const keel_tls_client_config *c)
{
    SSL_CTX *ctx = NULL;

    assert_int_equal(keel_tls_client_new(c, &ctx), KEEL_OK);
    assert_non_null(ctx);
    return ctx;
}

/* A modern server asking for a client certificate from the test CA. */
static SSL_CTX *good_server(void)
{
    return pki_server(fx.server_cert, fx.server_key, fx.ca, 0, 0, NULL, 0);
}

static struct pki_result run(const keel_tls_client_config *c, SSL_CTX *sctx)
{
    SSL_CTX *cctx = client(c);
    struct pki_result r = pki_handshake(sctx, cctx, c->host);

    SSL_CTX_free(cctx);
    return r;
}

static void test_policy_read_back(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *ctx = client(&c);
    STACK_OF(SSL_CIPHER) *list = SSL_CTX_get_ciphers(ctx);
    SSL_CTX *other = SSL_CTX_new(TLS_client_method());

    (void)state;
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    assert_true(SSL_CTX_get_security_level(ctx) >= 2);
    assert_true(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION);
    assert_true(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
    assert_true(SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER);
    assert_string_equal(X509_VERIFY_PARAM_get0_host(SSL_CTX_get0_param(ctx), 0), "broker.test");
    assert_true(sk_SSL_CIPHER_num(list) > 0);
    for (int i = 0; i < sk_SSL_CIPHER_num(list); i++) {
        const SSL_CIPHER *ci = sk_SSL_CIPHER_value(list, i);
        if (SSL_CIPHER_get_kx_nid(ci) != NID_kx_any) {
            assert_int_equal(SSL_CIPHER_get_kx_nid(ci), NID_kx_ecdhe);
            assert_true(SSL_CIPHER_is_aead(ci));
        }
    }
    /* the same policy on a context made elsewhere (as libcurl's would be) */
    assert_non_null(other);
    assert_int_equal(keel_tls_client_policy_apply(other), KEEL_OK);
    assert_int_equal(SSL_CTX_get_min_proto_version(other), TLS1_2_VERSION);
    assert_int_equal(keel_tls_client_policy_apply(NULL), KEEL_ERR_ARG);
    SSL_CTX_free(other);
    SSL_CTX_free(ctx);
}

static void test_config_refused(void **state)
{
    keel_tls_client_config c;
    SSL_CTX *ctx = (SSL_CTX *)&c; /* must come back NULL */

    (void)state;
    assert_int_equal(keel_tls_client_new(NULL, &ctx), KEEL_ERR_ARG);
    assert_null(ctx);
    c = config();
    assert_int_equal(keel_tls_client_new(&c, NULL), KEEL_ERR_ARG);
    c.ca_file = NULL; /* no CA: never the system store */
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_ARG);
    c = config();
    c.host = NULL; /* no name: fail closed */
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_ARG);
    c.host = "";
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_ARG);
    c = config();
    c.key = NULL; /* a certificate without its key */
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_ARG);
    c = config();
    c.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_IO);
    c.ca_file = fx.garbage;
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_CRYPTO);
    c = config();
    c.cert_file = "/nonexistent/client.pem";
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_IO);
    c = config();
    c.key = fx.server_key; /* not the certificate's key */
    assert_int_equal(keel_tls_client_new(&c, &ctx), KEEL_ERR_CRYPTO);
    assert_null(ctx);
}

static void test_handshake_verified(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *sctx = good_server();
    struct pki_result r = run(&c, sctx);

    (void)state;
    assert_true(r.ok);
    assert_int_equal(r.version, TLS1_3_VERSION);
    assert_true(r.client_cert);
    assert_int_equal(r.verify_result, X509_V_OK);
    /* the name may be an IP address the certificate carries */
    c.host = "127.0.0.1";
    r = run(&c, sctx);
    assert_true(r.ok);
    /* without a client identity the context still verifies the server; this server then
     * refuses the client */
    c = config();
    c.cert_file = NULL;
    c.key = NULL;
    r = run(&c, sctx);
    assert_false(r.ok);
    SSL_CTX_free(sctx);
}

static void test_wrong_ca_refused(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *sctx = good_server();
    struct pki_result r;

    (void)state;
    c.ca_file = fx.other_ca;
    r = run(&c, sctx);
    assert_false(r.ok);
    /* the server sends its CA along (it is in its store): a root the client does not hold */
    assert_true(r.verify_result == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                r.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    SSL_CTX_free(sctx);
}

static void test_wrong_name_refused(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *sctx = good_server();
    struct pki_result r;

    (void)state;
    c.host = "other.test";
    r = run(&c, sctx);
    assert_false(r.ok);
    assert_int_equal(r.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
    c.host = "127.0.0.2";
    r = run(&c, sctx);
    assert_false(r.ok);
    assert_int_equal(r.verify_result, X509_V_ERR_IP_ADDRESS_MISMATCH);
    SSL_CTX_free(sctx);
}

static void test_pin(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *sctx = good_server();
    uint8_t pin[KEEL_TLS_PIN_SIZE];
    struct pki_result r;

    (void)state;
    assert_int_equal(keel_tls_spki_sha256(fx.server_cert, pin), KEEL_OK);
    c.pin_sha256 = pin;
    r = run(&c, sctx);
    assert_true(r.ok);
    pin[5] ^= 0x01;
    r = run(&c, sctx);
    assert_false(r.ok);
    assert_int_equal(r.verify_result, X509_V_ERR_APPLICATION_VERIFICATION);
    /* the pin comes on top of the chain, never instead: the right pin with the wrong CA */
    pin[5] ^= 0x01;
    c.ca_file = fx.other_ca;
    r = run(&c, sctx);
    assert_false(r.ok);
    SSL_CTX_free(sctx);
}

/* A client with no policy: the control showing each weak server works at all. */
static int weak_client_connects(SSL_CTX *sctx)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    struct pki_result r;

    assert_non_null(cctx);
    SSL_CTX_set_security_level(cctx, 0);
    assert_int_equal(SSL_CTX_set_min_proto_version(cctx, TLS1_VERSION), 1);
    assert_int_equal(SSL_CTX_set_cipher_list(cctx, "ALL:@SECLEVEL=0"), 1);
    assert_int_equal(SSL_CTX_use_certificate(cctx, fx.client_cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(cctx, fx.client_key), 1);
    r = pki_handshake(sctx, cctx, NULL);
    SSL_CTX_free(cctx);
    return r.ok;
}

static void test_weak_servers_refused(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *tls11 = pki_server(fx.server_cert, fx.server_key, fx.ca, TLS1_1_VERSION,
                                TLS1_1_VERSION, "ALL:@SECLEVEL=0", 1);
    SSL_CTX *cbc = pki_server(fx.server_cert, fx.server_key, fx.ca, TLS1_2_VERSION, TLS1_2_VERSION,
                              "ECDHE-ECDSA-AES128-SHA256", 1);

    (void)state;
    assert_true(weak_client_connects(tls11));
    assert_false(run(&c, tls11).ok);
    assert_true(weak_client_connects(cbc));
    assert_false(run(&c, cbc).ok);
    SSL_CTX_free(tls11);
    SSL_CTX_free(cbc);
}

/* A server that would take ECDSA with SHA-384 first still gets SHA-256 from a P-256 client
 * key (a TPM signs P-256 with SHA-256 digests); TLS 1.2, where the pairing is free. */
static void test_client_sigalgs(void **state)
{
    keel_tls_client_config c = config();
    SSL_CTX *sctx = pki_server(fx.server_cert, fx.server_key, fx.ca, 0, TLS1_2_VERSION, NULL, 0);
    struct pki_result r;

    (void)state;
    assert_int_equal(SSL_CTX_set1_client_sigalgs_list(sctx, "ECDSA+SHA384:ECDSA+SHA256"), 1);
    r = run(&c, sctx);
    assert_true(r.ok);
    assert_int_equal(r.version, TLS1_2_VERSION);
    assert_true(r.client_cert);
    assert_int_equal(r.peer_sig_nid, NID_sha256);
    SSL_CTX_free(sctx);
}

static void test_spki_pin_value(void **state)
{
    uint8_t a[KEEL_TLS_PIN_SIZE], b[KEEL_TLS_PIN_SIZE];
    unsigned char *der = NULL;
    unsigned int n = 0;
    uint8_t want[KEEL_TLS_PIN_SIZE];
    int len = i2d_PUBKEY(fx.server_key, &der);

    (void)state;
    assert_true(len > 0);
    assert_int_equal(EVP_Digest(der, (size_t)len, want, &n, EVP_sha256(), NULL), 1);
    OPENSSL_free(der);
    assert_int_equal(keel_tls_spki_sha256(fx.server_cert, a), KEEL_OK);
    assert_memory_equal(a, want, sizeof(a));
    assert_int_equal(keel_tls_spki_sha256(fx.client_cert, b), KEEL_OK);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(keel_tls_spki_sha256(NULL, a), KEEL_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_read_back),     cmocka_unit_test(test_config_refused),
        cmocka_unit_test(test_handshake_verified),   cmocka_unit_test(test_wrong_ca_refused),
        cmocka_unit_test(test_wrong_name_refused),   cmocka_unit_test(test_pin),
        cmocka_unit_test(test_weak_servers_refused), cmocka_unit_test(test_client_sigalgs),
        cmocka_unit_test(test_spki_pin_value),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
