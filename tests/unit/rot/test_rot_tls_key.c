/* The identity key as libssl uses it (5.5-1, 5.8-2): in OpenSSL's default context with no
 * property query, the private operation done by the TPM (swtpm here). A signature made
 * through the wrapped key verifies under the TPM key's public half; TLS 1.3 and TLS 1.2
 * mutual-TLS handshakes complete with a server that requires the client certificate; a copy
 * of the key keeps working after the original is freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "keel/rot.h"
#include "keel/tls.h"
#include "rot_checks.h"
#include "swtpm.h"
#include "tls_pki.h"

static keel_test_swtpm tpm;
static char tmp[256];

static int setup(void **state)
{
    (void)state;
    setenv("TSS2_LOG", "all+none", 0);
    rot_test_tempdir(tmp, sizeof(tmp));
    return keel_test_swtpm_start(&tpm);
}

static int teardown(void **state)
{
    (void)state;
    keel_test_swtpm_stop(&tpm);
    rot_test_rmtree(tmp);
    return 0;
}

static keel_rot *open_rot(const char *spec, const char *name)
{
    char dir[400];
    keel_rot *rot = NULL;

    rot_test_join(dir, sizeof(dir), tmp, name);
    assert_int_equal(keel_rot_open(spec, dir, &rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_OK);
    return rot;
}

/* Sign with key in the default context, no property query (as libssl does), and verify with
 * pub: the public key decoded into the default provider, as a peer would hold it. */
static void sign_verify(EVP_PKEY *key, EVP_PKEY *pub)
{
    static const unsigned char msg[] = "keel cloud link handshake";
    unsigned char sig[128];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    assert_non_null(md);
    assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)), 1);
    EVP_MD_CTX_free(md);
    md = EVP_MD_CTX_new();
    assert_non_null(md);
    assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)), 1);
    /* and a different message does not verify */
    assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pub, NULL), 1);
    assert_int_not_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg) - 2), 1);
    EVP_MD_CTX_free(md);
}

static EVP_PKEY *public_of(EVP_PKEY *key)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    EVP_PKEY *pub;
    int len = i2d_PUBKEY(key, &der);

    assert_true(len > 0);
    p = der;
    pub = d2i_PUBKEY(NULL, &p, len);
    OPENSSL_free(der);
    assert_non_null(pub);
    return pub;
}

/* Mutual TLS with the wrapped key as the client's: a CA issues a client certificate for the
 * TPM key, a server requires it; max is the highest version the server speaks. */
static void mutual_tls(EVP_PKEY *key, int max)
{
    char ca_file[400], cert_file[400];
    EVP_PKEY *ca_key = pki_key();
    X509 *ca = pki_ca(ca_key, "keel test manufacturer CA");
    EVP_PKEY *server_key = pki_key();
    X509 *server = pki_leaf(ca_key, ca, server_key, "broker", "DNS:broker.test", "serverAuth");
    X509 *client = pki_leaf(ca_key, ca, key, "KL0001", NULL, "clientAuth");
    SSL_CTX *sctx = pki_server(server, server_key, ca, 0, max, NULL, 0);
    SSL_CTX *cctx = NULL;
    keel_tls_client_config cfg;
    struct pki_result r;

    rot_test_join(ca_file, sizeof(ca_file), tmp, "ca.pem");
    rot_test_join(cert_file, sizeof(cert_file), tmp, "client.pem");
    pki_write(ca_file, ca, NULL);
    pki_write(cert_file, client, ca, NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.ca_file = ca_file;
    cfg.host = "broker.test";
    cfg.cert_file = cert_file;
    cfg.key = key;
    assert_int_equal(keel_tls_client_new(&cfg, &cctx), KEEL_OK);
    r = pki_handshake(sctx, cctx, "broker.test");
    assert_true(r.ok);
    assert_true(r.client_cert);
    assert_int_equal(r.version, max != 0 ? max : TLS1_3_VERSION);
    assert_int_equal(r.peer_sig_nid, NID_sha256);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    X509_free(client);
    X509_free(server);
    X509_free(ca);
    EVP_PKEY_free(server_key);
    EVP_PKEY_free(ca_key);
}

static void test_tpm_key(void **state)
{
    keel_rot *rot = open_rot(tpm.spec, "tpm");
    EVP_PKEY *tpm_key = NULL;
    EVP_PKEY *key = NULL;
    EVP_PKEY *copy;
    EVP_PKEY *pub;

    (void)state;
    assert_int_equal(keel_rot_identity_key(rot, &tpm_key), KEEL_OK);
    pub = public_of(tpm_key);
    EVP_PKEY_free(tpm_key);
    assert_int_equal(keel_rot_identity_tls_key(rot, &key), KEEL_OK);
    assert_non_null(key);
    assert_true(EVP_PKEY_eq(key, pub) == 1);
    sign_verify(key, pub);
    mutual_tls(key, 0);
    mutual_tls(key, TLS1_2_VERSION);
    /* a copy holds its own reference to the TPM key */
    copy = EVP_PKEY_dup(key);
    assert_non_null(copy);
    EVP_PKEY_free(key);
    sign_verify(copy, pub);
    EVP_PKEY_free(copy);
    EVP_PKEY_free(pub);
    assert_int_equal(keel_rot_identity_tls_key(rot, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_identity_tls_key(NULL, &key), KEEL_ERR_ARG);
    assert_null(key);
    keel_rot_close(rot);
}

static void test_no_identity(void **state)
{
    char dir[400];
    keel_rot *rot = NULL;
    EVP_PKEY *key = NULL;

    (void)state;
    rot_test_join(dir, sizeof(dir), tmp, "empty");
    assert_int_equal(keel_rot_open(tpm.spec, dir, &rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_tls_key(rot, &key), KEEL_ERR_NOT_FOUND);
    assert_null(key);
    keel_rot_close(rot);
}

#if KEEL_ROT_FILE
static void test_file_key(void **state)
{
    keel_rot *rot = open_rot("file", "file");
    EVP_PKEY *key = NULL;
    EVP_PKEY *pub;

    (void)state;
    assert_int_equal(keel_rot_identity_tls_key(rot, &key), KEEL_OK);
    pub = public_of(key);
    sign_verify(key, pub);
    mutual_tls(key, 0);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(key);
    keel_rot_close(rot);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tpm_key),
        cmocka_unit_test(test_no_identity),
#if KEEL_ROT_FILE
        cmocka_unit_test(test_file_key),
#endif
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
