/* The local HTTPS identity: key type, certificate names and validity, files and modes,
 * fingerprint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "keel/tls.h"

static void test_serial_and_hostname(void **state)
{
    char host[64];

    (void)state;
    assert_int_equal(keel_tls_serial_check("KL0123456789AB"), KEEL_OK);
    assert_int_equal(keel_tls_serial_check("A-12"), KEEL_OK);
    assert_int_equal(keel_tls_serial_check("kl01"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check("KL0"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check("-KL01"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check("KL01-"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check("KL 01"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check("KL01/../x"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"), KEEL_ERR_PARSE);
    assert_int_equal(keel_tls_serial_check(NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_tls_device_hostname("KL0123456789AB", host, sizeof(host)), KEEL_OK);
    assert_string_equal(host, "kl0123456789ab.local");
    assert_int_equal(keel_tls_device_hostname("KL0123456789AB", host, 10), KEEL_ERR_RANGE);
}

static void test_generate(void **state)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    char cn[64];
    const ASN1_TIME *na;
    int days = 0;
    int secs = 0;

    (void)state;
    assert_int_equal(keel_tls_identity_generate("KL0123456789AB", &key, &cert), KEEL_OK);
    assert_true(EVP_PKEY_is_a(key, "EC"));
    assert_int_equal(EVP_PKEY_get_bits(key), 256);
    assert_int_equal(
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn)), 14);
    assert_string_equal(cn, "KL0123456789AB");
    assert_int_equal(X509_check_host(cert, "kl0123456789ab.local", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_host(cert, "other.local", 0, 0, NULL), 0);
    assert_int_equal(X509_verify(cert, key), 1);
    na = X509_get0_notAfter(cert);
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), na), 1);
    assert_int_equal(days, KEEL_TLS_IDENTITY_DAYS);
    assert_int_equal(X509_check_ca(cert), 0);
    EVP_PKEY_free(key);
    X509_free(cert);
    assert_int_equal(keel_tls_identity_generate("bad serial", &key, &cert), KEEL_ERR_PARSE);
    assert_null(key);
    assert_null(cert);
}

static void test_two_identities_differ(void **state)
{
    EVP_PKEY *k1;
    EVP_PKEY *k2;
    X509 *c1;
    X509 *c2;
    char f1[KEEL_TLS_FINGERPRINT_SIZE];
    char f2[KEEL_TLS_FINGERPRINT_SIZE];

    (void)state;
    assert_int_equal(keel_tls_identity_generate("KL0001", &k1, &c1), KEEL_OK);
    assert_int_equal(keel_tls_identity_generate("KL0001", &k2, &c2), KEEL_OK);
    assert_int_not_equal(EVP_PKEY_eq(k1, k2), 1);
    assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(c1), X509_get0_serialNumber(c2)),
                         0);
    assert_int_equal(keel_tls_cert_fingerprint(c1, f1), KEEL_OK);
    assert_int_equal(keel_tls_cert_fingerprint(c2, f2), KEEL_OK);
    assert_string_not_equal(f1, f2);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    X509_free(c1);
    X509_free(c2);
}

static void test_write_and_fingerprint(void **state)
{
    char dir[] = "/tmp/keel-tls-test-XXXXXX";
    char kp[128];
    char cp[128];
    char fp[KEEL_TLS_FINGERPRINT_SIZE];
    unsigned char md[32];
    unsigned int n;
    EVP_PKEY *key;
    X509 *cert;
    EVP_PKEY *key2;
    X509 *cert2;
    struct stat st;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(keel_str_format(kp, sizeof(kp), "%s/key.pem", dir), KEEL_OK);
    assert_int_equal(keel_str_format(cp, sizeof(cp), "%s/cert.pem", dir), KEEL_OK);
    assert_int_equal(keel_tls_identity_generate("KL0123456789AB", &key, &cert), KEEL_OK);
    assert_int_equal(keel_tls_identity_write(key, cert, kp, cp), KEEL_OK);
    assert_int_equal(stat(kp, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    f = fopen(kp, "r");
    key2 = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    f = fopen(cp, "r");
    cert2 = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_int_equal(EVP_PKEY_eq(key, key2), 1);
    assert_int_equal(X509_cmp(cert, cert2), 0);
    assert_int_equal(keel_tls_cert_fingerprint(cert2, fp), KEEL_OK);
    assert_int_equal(strlen(fp), 95);
    assert_int_equal(X509_digest(cert, EVP_sha256(), md, &n), 1);
    for (unsigned int i = 0; i < n; i++) {
        char pair[3];
        assert_int_equal(keel_str_format(pair, sizeof(pair), "%02X", md[i]), KEEL_OK);
        assert_memory_equal(fp + 3 * i, pair, 2);
    }
    EVP_PKEY_free(key);
    EVP_PKEY_free(key2);
    X509_free(cert);
    X509_free(cert2);
    unlink(kp);
    unlink(cp);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_and_hostname),
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_two_identities_differ),
        cmocka_unit_test(test_write_and_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
