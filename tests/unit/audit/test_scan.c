/* 5.4-3-2's scanner: private keys made by OpenSSL here (PEM of every flavour, DER inside
 * binary noise) and dictionary passwords in the contexts firmware holds them, with the
 * look-alikes that must not count (JSON keys, comparisons, names in binaries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "audit.h"

#define MAX_FOUND 32

typedef struct found {
    keel_audit_finding f[MAX_FOUND];
    char path[MAX_FOUND][128];
    size_t n;
} found;

static void collect(const char *path, const keel_audit_finding *f, void *user)
{
    found *x = user;

    if (x->n < MAX_FOUND) {
        x->f[x->n] = *f;
        snprintf(x->path[x->n], sizeof(x->path[0]), "%s", path);
    }
    x->n++;
}

static void scan(const void *data, size_t len, found *x)
{
    keel_audit_dictionary d;
    size_t n = 0;

    keel_audit_dictionary_builtin(&d);
    memset(x, 0, sizeof(*x));
    assert_int_equal(keel_audit_scan_buffer(data, len, &d, "f", collect, x, &n), KEEL_OK);
    assert_int_equal(n, x->n);
}

static size_t pem_of(EVP_PKEY *k, int traditional, const EVP_CIPHER *enc, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;

    assert_non_null(b);
    if (traditional)
        assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL), 1);
    else
        assert_int_equal(
            PEM_write_bio_PKCS8PrivateKey(b, k, enc, enc ? "pw" : NULL, enc ? 2 : 0, NULL, NULL),
            1);
    n = BIO_get_mem_data(b, &p);
    assert_true(n > 0 && (size_t)n < cap);
    memcpy(out, p, (size_t)n);
    BIO_free(b);
    return (size_t)n;
}

static void test_pem_keys(void **state)
{
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char buf[16384];
    size_t n = 0;
    found x;

    (void)state;
    assert_non_null(ec);
    memcpy(buf, "config\n", 7);
    n = 7;
    n += pem_of(ec, 1, NULL, buf + n, sizeof(buf) - n);              /* BEGIN EC PRIVATE KEY */
    n += pem_of(ec, 0, NULL, buf + n, sizeof(buf) - n);              /* BEGIN PRIVATE KEY */
    n += pem_of(ec, 0, EVP_aes_256_cbc(), buf + n, sizeof(buf) - n); /* ENCRYPTED */
    static const char ssh[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                              "-----END OPENSSH PRIVATE KEY-----\n";
    memcpy(buf + n, ssh, sizeof(ssh) - 1);
    n += sizeof(ssh) - 1;
    /* Public material is not a finding. */
    static const char pub[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
                              "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    memcpy(buf + n, pub, sizeof(pub) - 1);
    n += sizeof(pub) - 1;
    scan(buf, n, &x);
    assert_int_equal(x.n, 4);
    assert_string_equal(x.f[0].what, "EC PRIVATE KEY");
    assert_int_equal(x.f[0].offset, 7);
    assert_string_equal(x.f[1].what, "PRIVATE KEY");
    assert_string_equal(x.f[2].what, "ENCRYPTED PRIVATE KEY");
    assert_string_equal(x.f[3].what, "OPENSSH PRIVATE KEY");
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(x.f[i].kind, KEEL_AUDIT_FOUND_PEM_KEY);
        assert_int_equal(strlen(x.f[i].fingerprint), 16);
    }
    EVP_PKEY_free(ec);
}

/* key's DER (PKCS#8 or the type's own form) at offset 100 of 4 KiB of noise rich in the
 * bytes a DER search starts from. */
static void der_in_noise(EVP_PKEY *key, int pkcs8, const char *type)
{
    unsigned char buf[8192], *der = NULL;
    int len;
    found x;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i % 7 == 0 ? 0x30 : (i % 5 == 0 ? 0x82 : i * 31));
    if (pkcs8) {
        PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
        len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
        PKCS8_PRIV_KEY_INFO_free(p8);
    } else {
        len = i2d_PrivateKey(key, &der);
    }
    assert_true(len > 0 && (size_t)len < sizeof(buf) - 200);
    memcpy(buf + 100, der, (size_t)len);
    OPENSSL_free(der);
    scan(buf, sizeof(buf), &x);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.f[0].kind, KEEL_AUDIT_FOUND_DER_KEY);
    assert_int_equal(x.f[0].offset, 100);
    assert_string_equal(x.f[0].what, type);
}

static void test_der_keys(void **state)
{
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

    (void)state;
    der_in_noise(ec, 0, "id-ecPublicKey"); /* SEC1, short-form length */
    der_in_noise(ec, 1, "id-ecPublicKey"); /* PKCS#8 */
    der_in_noise(rsa, 0, "rsaEncryption"); /* PKCS#1 */
    der_in_noise(rsa, 1, "rsaEncryption");
    der_in_noise(ed, 1, "ED25519");
    EVP_PKEY_free(ec);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
}

static void expect_words(const char *text, size_t len, size_t n, const char *word, const char *ctx)
{
    found x;

    scan(text, len, &x);
    if (x.n != n)
        fail_msg("'%.*s': %zu findings, expected %zu", (int)len, text, x.n, n);
    if (n > 0) {
        assert_int_equal(x.f[0].kind, KEEL_AUDIT_FOUND_PASSWORD);
        assert_string_equal(x.f[0].what, word);
        assert_string_equal(x.f[0].context, ctx);
    }
}

#define WORDS(lit, n, word, ctx) expect_words(lit, sizeof(lit) - 1, n, word, ctx)

static void test_passwords(void **state)
{
    (void)state;
    WORDS("{\"user\": \"x\", \"pass\": \"admin\"}", 1, "admin", "quoted");
    WORDS("login='xc3511'\n", 1, "xc3511", "quoted");
    WORDS("PASS=admin\nX=1\n", 1, "admin", "after '='");
    WORDS("passwd=vizxv", 1, "vizxv", "after '='");
    WORDS("\x7f"
          "ELF\0\0admin\0\0",
          1, "admin", "NUL-delimited");
    WORDS("\0"
          "123456\0",
          1, "123456", "NUL-delimited");
    /* Names programs use: only as the value of a password key. */
    WORDS("\0password\0root\0default\0", 0, "", "");
    WORDS("{\"password\": \"x\"}", 0, "", "");
    WORDS("strcmp(key, \"password\")", 0, "", "");
    WORDS("{\"password\": \"password\"}", 1, "password", "quoted");
    WORDS("root_pwd=root\n", 1, "root", "after '='");
    WORDS("user=root\n", 0, "", "");
    /* Digits: only after a password key. */
    WORDS("port=1234\n", 0, "", "");
    WORDS("pin_pass=1234\n", 1, "1234", "after '='");
    /* Not delimited, or a comparison. */
    WORDS("administrator", 0, "", "");
    WORDS("x=admins\n", 0, "", "");
    WORDS("if (a == admin) {", 0, "", "");
    WORDS("\"admin", 0, "", "");
    WORDS("=admin", 1, "admin", "after '='");
}

/* A C string inside a long list of words (a blocklist of weak passwords) is shown apart
 * and not counted; the same string among a few others is a finding. */
static void test_word_list(void **state)
{
    char buf[4096];
    size_t n = 0;
    found x;

    (void)state;
    buf[n++] = '\0';
    for (int i = 0; i < 70; i++) {
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "weak%02d", i);
        /* padded as a sanitizer pads globals */
        memset(buf + n, 0, (size_t)(1 + i % 9));
        n += (size_t)(1 + i % 9);
    }
    memcpy(buf + n, "admin", 6);
    n += 6;
    scan(buf, n, &x);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.f[0].kind, KEEL_AUDIT_FOUND_LISTED);
    scan(buf + n - 6 - 80, 86, &x);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.f[0].kind, KEEL_AUDIT_FOUND_PASSWORD);
}

static void test_finding_format(void **state)
{
    keel_audit_finding f = {.kind = KEEL_AUDIT_FOUND_PASSWORD, .offset = 42};
    char line[256];

    (void)state;
    assert_int_equal(keel_str_copy(f.what, sizeof(f.what), "admin"), KEEL_OK);
    assert_int_equal(keel_str_copy(f.context, sizeof(f.context), "quoted"), KEEL_OK);
    assert_int_equal(keel_audit_finding_format("etc/app.conf", &f, line, sizeof(line)), KEEL_OK);
    assert_string_equal(line, "etc/app.conf: offset 42: default password 'admin' (quoted)");
    f.kind = KEEL_AUDIT_FOUND_PEM_KEY;
    assert_int_equal(keel_str_copy(f.what, sizeof(f.what), "RSA PRIVATE KEY"), KEEL_OK);
    assert_int_equal(keel_str_copy(f.fingerprint, sizeof(f.fingerprint), "0123456789abcdef"),
                     KEEL_OK);
    assert_int_equal(keel_audit_finding_format("k.pem", &f, line, sizeof(line)), KEEL_OK);
    assert_string_equal(line, "k.pem: offset 42: PEM block 'RSA PRIVATE KEY' (SHA-256 "
                              "0123456789abcdef)");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The walk: every file once, in name order, links not followed, excludes honoured. */
static void test_tree(void **state)
{
    char root[] = "/tmp/keel-scan-XXXXXX", path[256];
    keel_audit_dictionary d;
    keel_audit_scan_stats s;
    const char *exclude[] = {"skip"};
    found x;

    (void)state;
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof(path), "%s/etc", root);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/skip", root);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/skip/a.conf", root);
    write_file(path, "password=admin\n");
    snprintf(path, sizeof(path), "%s/etc/b.conf", root);
    write_file(path, "password=admin\n");
    snprintf(path, sizeof(path), "%s/etc/a.conf", root);
    write_file(path, "user=guest\npassword='changeme'\n");
    snprintf(path, sizeof(path), "%s/link", root);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    keel_audit_dictionary_builtin(&d);
    memset(&x, 0, sizeof(x));
    assert_int_equal(keel_audit_scan_tree(root, exclude, 1, &d, collect, &x, &s), KEEL_OK);
    assert_int_equal(s.files, 2);
    assert_int_equal(s.skipped_links, 1);
    assert_int_equal(s.excluded, 1);
    assert_int_equal(s.passwords, 2);
    assert_int_equal(x.n, 2);
    assert_string_equal(x.path[0], "etc/a.conf");
    assert_string_equal(x.f[0].what, "changeme");
    assert_int_equal(x.f[0].offset, 21);
    assert_string_equal(x.path[1], "etc/b.conf");
    assert_int_equal(keel_audit_scan_tree("/nonexistent/keel", NULL, 0, &d, collect, &x, &s),
                     KEEL_ERR_IO);
    snprintf(path, sizeof(path), "rm -rf '%s'", root);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem_keys),       cmocka_unit_test(test_der_keys),
        cmocka_unit_test(test_passwords),      cmocka_unit_test(test_word_list),
        cmocka_unit_test(test_finding_format), cmocka_unit_test(test_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
