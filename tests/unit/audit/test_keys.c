/* Key formats of 5.4-3-2 and the uniqueness test case 5.4-4-2: one key made by OpenSSL here and
 * written as PKCS#1 PEM, PKCS#8 PEM, PKCS#1 DER, PKCS#8 DER, an OpenSSH "openssh-key-v1" blob
 * (binary and armoured) and a PuTTY key file must get one fingerprint, the SHA-256 of its
 * SubjectPublicKeyInfo; encrypted PKCS#8 DER is found; a certificate is listed, not counted;
 * and two trees sharing a key (in two encodings) FAIL 5.4-4-2 while distinct keys PASS. */
#define _GNU_SOURCE /* nftw in tree_helpers.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "scan.h"
#include "tree_helpers.h"

#define MAX_FOUND 16

typedef struct found {
    keel_audit_finding f[MAX_FOUND];
    size_t n;
} found;

static void collect(const char *path, const keel_audit_finding *f, void *user)
{
    found *x = user;

    (void)path;
    if (x->n < MAX_FOUND)
        x->f[x->n] = *f;
    x->n++;
}

static void scan(const void *data, size_t len, found *x, keel_audit_scan_sink *sink)
{
    memset(x, 0, sizeof(*x));
    memset(sink, 0, sizeof(*sink));
    sink->path = "f";
    sink->fn = collect;
    sink->user = x;
    keel_audit_scan_keys(data, len, sink);
}

/* The expected fingerprint: SHA-256 over the public key's DER, 16 hex digits. */
static void spki_fp(EVP_PKEY *k, char out[17])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);

    assert_true(n > 0);
    keel_audit_scan_fingerprint(der, (size_t)n, out);
    OPENSSL_free(der);
}

static size_t bio_out(BIO *b, unsigned char *out, size_t cap)
{
    char *p;
    long n = BIO_get_mem_data(b, &p);

    assert_true(n > 0 && (size_t)n <= cap);
    memcpy(out, p, (size_t)n);
    BIO_free(b);
    return (size_t)n;
}

/* One finding of kind in data, with fingerprint fp. */
static void expect_one(const void *data, size_t len, keel_audit_finding_kind kind, const char *fp,
                       const char *what)
{
    keel_audit_scan_sink sink;
    found x;

    scan(data, len, &x, &sink);
    if (x.n != 1)
        fail_msg("%zu findings where one %s was expected", x.n, what != NULL ? what : "key");
    assert_int_equal(x.f[0].kind, kind);
    if (fp != NULL)
        assert_string_equal(x.f[0].fingerprint, fp);
    if (what != NULL)
        assert_string_equal(x.f[0].what, what);
}

static void put32(unsigned char *p, size_t *n, uint32_t v)
{
    p[(*n)++] = (unsigned char)(v >> 24);
    p[(*n)++] = (unsigned char)(v >> 16);
    p[(*n)++] = (unsigned char)(v >> 8);
    p[(*n)++] = (unsigned char)v;
}

static void putstr(unsigned char *p, size_t *n, const void *s, size_t len)
{
    put32(p, n, (uint32_t)len);
    memcpy(p + *n, s, len);
    *n += len;
}

/* The SSH public blob of an Ed25519 key. */
static size_t ed25519_blob(EVP_PKEY *k, unsigned char *out)
{
    unsigned char pub[32];
    size_t pl = sizeof(pub), n = 0;

    assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &pl), 1);
    putstr(out, &n, "ssh-ed25519", 11);
    putstr(out, &n, pub, pl);
    return n;
}

/* An unencrypted "openssh-key-v1" key around blob (the private section is opaque here). */
static size_t openssh_key(const unsigned char *blob, size_t bn, unsigned char *out)
{
    size_t n = 0;

    memcpy(out, "openssh-key-v1", 15);
    n = 15;
    putstr(out, &n, "none", 4);
    putstr(out, &n, "none", 4);
    putstr(out, &n, "", 0);
    put32(out, &n, 1);
    putstr(out, &n, blob, bn);
    putstr(out, &n, "0123456789abcdef", 16);
    return n;
}

static void test_one_key_many_encodings(void **state)
{
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    unsigned char buf[16384], blob[128], key[512], *der = NULL;
    char fp[17], edfp[17], b64[1024], ppk[2048];
    BIO *b;
    size_t n;
    int len;

    (void)state;
    assert_non_null(rsa);
    assert_non_null(ed);
    spki_fp(rsa, fp);
    spki_fp(ed, edfp);

    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, rsa, NULL, NULL, 0, NULL, NULL), 1);
    n = bio_out(b, buf, sizeof(buf));
    expect_one(buf, n, KEEL_AUDIT_FOUND_PEM_KEY, fp, "RSA PRIVATE KEY");
    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, rsa, NULL, NULL, 0, NULL, NULL), 1);
    n = bio_out(b, buf, sizeof(buf));
    expect_one(buf, n, KEEL_AUDIT_FOUND_PEM_KEY, fp, "PRIVATE KEY");
    len = i2d_PrivateKey(rsa, &der);
    assert_true(len > 0);
    expect_one(der, (size_t)len, KEEL_AUDIT_FOUND_DER_KEY, fp, "rsaEncryption");
    OPENSSL_free(der);
    der = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(rsa);
    len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    expect_one(der, (size_t)len, KEEL_AUDIT_FOUND_DER_KEY, fp, "rsaEncryption");
    OPENSSL_free(der);
    der = NULL;

    /* Encrypted PKCS#8 DER (PBES2): found, known by its bytes. */
    b = BIO_new(BIO_s_mem());
    assert_int_equal(
        i2d_PKCS8PrivateKey_bio(b, rsa, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"pw"), 1);
    n = bio_out(b, buf, sizeof(buf));
    memmove(buf + 37, buf, n); /* inside other bytes */
    memset(buf, 0x30, 37);
    expect_one(buf, n + 37, KEEL_AUDIT_FOUND_DER_KEY, NULL, "encrypted PKCS#8 (PBES2)");

    /* Ed25519: PKCS#8 PEM, OpenSSH binary and armoured, PuTTY: one fingerprint. */
    b = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(b, ed, NULL, NULL, 0, NULL, NULL), 1);
    n = bio_out(b, buf, sizeof(buf));
    expect_one(buf, n, KEEL_AUDIT_FOUND_PEM_KEY, edfp, "PRIVATE KEY");
    size_t bn = ed25519_blob(ed, blob);
    size_t kn = openssh_key(blob, bn, key);
    memcpy(buf,
           "\x7f"
           "ELF....",
           8);
    memcpy(buf + 8, key, kn);
    expect_one(buf, kn + 8, KEEL_AUDIT_FOUND_SSH_KEY, edfp, "OpenSSH ssh-ed25519");
    int bl = EVP_EncodeBlock((unsigned char *)b64, key, (int)kn);
    n = (size_t)snprintf((char *)buf, sizeof(buf),
                         "-----BEGIN OPENSSH PRIVATE KEY-----\n%.*s\n%s\n"
                         "-----END OPENSSH PRIVATE KEY-----\n",
                         bl > 70 ? 70 : bl, b64, bl > 70 ? b64 + 70 : "");
    expect_one(buf, n, KEEL_AUDIT_FOUND_PEM_KEY, edfp, "OPENSSH PRIVATE KEY");
    bl = EVP_EncodeBlock((unsigned char *)b64, blob, (int)bn);
    assert_true(bl > 64 && bl <= 128); /* PuTTY's 64 characters a line: two lines */
    n = (size_t)snprintf(ppk, sizeof(ppk),
                         "PuTTY-User-Key-File-3: ssh-ed25519\r\nEncryption: none\r\n"
                         "Comment: fixture\r\nPublic-Lines: 2\r\n%.64s\r\n%s\r\n"
                         "Private-Lines: 1\r\nAAAA\r\nPrivate-MAC: 00\r\n",
                         b64, b64 + 64);
    expect_one(ppk, n, KEEL_AUDIT_FOUND_SSH_KEY, edfp, "PuTTY ssh-ed25519");
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
}

static void test_cut_openssh_is_no_key(void **state)
{
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    unsigned char blob[128], key[512];
    keel_audit_scan_sink sink;
    found x;

    (void)state;
    size_t kn = openssh_key(blob, ed25519_blob(ed, blob), key);
    scan(key, kn - 4, &x, &sink); /* the private section cut short */
    assert_int_equal(x.n, 0);
    scan("openssh-key-v1", 15, &x, &sink);
    assert_int_equal(x.n, 0);
    scan("PuTTY-User-Key-File-3: ssh-rsa\nPublic-Lines: 1\n", 47, &x, &sink);
    assert_int_equal(x.n, 0);
    EVP_PKEY_free(ed);
}

static void test_certificate_listed(void **state)
{
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *c = X509_new();
    unsigned char buf[4096];
    keel_audit_scan_sink sink;
    BIO *b = BIO_new(BIO_s_mem());
    found x;
    size_t n;

    (void)state;
    assert_non_null(c);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
                               (const unsigned char *)"fixture-ca", -1, -1, 0);
    X509_set_issuer_name(c, X509_get_subject_name(c));
    X509_gmtime_adj(X509_getm_notBefore(c), 0);
    X509_gmtime_adj(X509_getm_notAfter(c), 3600);
    X509_set_pubkey(c, ec);
    assert_true(X509_sign(c, ec, EVP_sha256()) > 0);
    assert_int_equal(PEM_write_bio_X509(b, c), 1);
    n = bio_out(b, buf, sizeof(buf));
    scan(buf, n, &x, &sink);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.f[0].kind, KEEL_AUDIT_FOUND_CERTIFICATE);
    assert_string_equal(x.f[0].what, "CN=fixture-ca");
    assert_int_equal(sink.certs, 1);
    assert_int_equal(sink.pem + sink.der + sink.ssh, 0);
    X509_free(c);
    EVP_PKEY_free(ec);
}

static void write_pem(const tree *t, const char *rel, EVP_PKEY *k, int pkcs8)
{
    unsigned char buf[8192];
    BIO *b = BIO_new(BIO_s_mem());
    size_t n;

    assert_int_equal(pkcs8 ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
                           : PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL),
                     1);
    n = bio_out(b, buf, sizeof(buf) - 1);
    buf[n] = '\0';
    tree_write(t, rel, (const char *)buf, 0600);
}

static void write_der(const tree *t, const char *rel, EVP_PKEY *k)
{
    char path[512];
    unsigned char *der = NULL;
    int len = i2d_PrivateKey(k, &der);
    FILE *f;

    assert_true(len > 0);
    tree_write(t, rel, "", 0600);
    snprintf(path, sizeof(path), "%s/%s", t->root, rel);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(der, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    OPENSSL_free(der);
}

static const keel_audit_test *unique_run(const tree *a, const tree *b, keel_audit_report **r)
{
    assert_int_equal(keel_audit_report_new(KEEL_EN303645_V3_1_3, "127.0.0.1:9", r), KEEL_OK);
    assert_int_equal(keel_audit_check_unique(*r, a->root, b->root), KEEL_OK);
    return tree_test(*r, "5.4-4");
}

static void test_unique(void **state)
{
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    keel_audit_report *r = NULL;
    const keel_audit_test *t;
    tree a, b, empty1, empty2;
    char fp[17], line[256];

    (void)state;
    spki_fp(k1, fp);
    tree_make(&a);
    tree_make(&b);
    tree_make(&empty1);
    tree_make(&empty2);
    write_pem(&a, "etc/ssl/device.key", k1, 0);
    write_der(&b, "data/key.der", k1); /* the same key, another encoding */
    write_pem(&b, "etc/ssl/own.key", k2, 1);
    t = unique_run(&a, &b, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_FAIL);
    snprintf(line, sizeof(line),
             "the same private key (SHA-256 %s) on both devices: firmware etc/ssl/device.key "
             "offset 0 (EC PRIVATE KEY) and peer data/key.der offset 0 (id-ecPublicKey)",
             fp);
    assert_true(test_has(t, line));
    keel_audit_report_free(r);

    /* Distinct keys: PASS. */
    tree_write(&b, "data/key.der", "no key here\n", 0600);
    t = unique_run(&a, &b, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_PASS);
    assert_true(test_has(t, "1 and 1 private keys, none shared: unique per device"));
    keel_audit_report_free(r);

    /* No key anywhere: N/A; a peer that cannot be opened: INCONCLUSIVE. */
    t = unique_run(&empty1, &empty2, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_NA);
    keel_audit_report_free(r);
    tree_free(&empty2);
    t = unique_run(&a, &empty2, &r);
    assert_int_equal(t->verdict, KEEL_AUDIT_INCONCLUSIVE);
    assert_true(test_mentions(t, "cannot be opened"));
    keel_audit_report_free(r);
    tree_free(&a);
    tree_free(&b);
    tree_free(&empty1);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_key_many_encodings),
        cmocka_unit_test(test_cut_openssh_is_no_key),
        cmocka_unit_test(test_certificate_listed),
        cmocka_unit_test(test_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
