/* The tpm2 backend against real swtpm processes (5.4-1, 5.4-2): the storage key sealed by
 * the TPM, counters in TPM NV that survive a reboot and never go down, the identity key made
 * in the TPM and used through OpenSSL; damaged blobs, blobs of another TPM and an unreachable
 * TPM are refused with their own errors. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/decoder.h>
#include <openssl/provider.h>

#include "keel/rot.h"
#include "rot_checks.h"
#include "swtpm.h"

static keel_test_swtpm tpm_a; /* this device's TPM */
static char tmp[256];
static char dir[300];

static int setup(void **state)
{
    (void)state;
    /* Expected TPM refusals below would otherwise fill the log with tpm2-tss's errors. */
    setenv("TSS2_LOG", "all+none", 0);
    rot_test_tempdir(tmp, sizeof(tmp));
    return keel_test_swtpm_start(&tpm_a);
}

static int teardown(void **state)
{
    (void)state;
    keel_test_swtpm_stop(&tpm_a);
    rot_test_rmtree(tmp);
    return 0;
}

static keel_rot *open_on(const keel_test_swtpm *tpm, const char *name)
{
    keel_rot *rot = NULL;

    rot_test_join(dir, sizeof(dir), tmp, name);
    assert_int_equal(keel_rot_open(tpm->spec, dir, &rot), KEEL_OK);
    assert_non_null(rot);
    assert_int_equal(keel_rot_backend_of(rot), KEEL_ROT_BACKEND_TPM2);
    return rot;
}

static void test_identity(void **state)
{
    char path[400], pem[8192];
    EVP_PKEY *key = NULL;
    OSSL_LIB_CTX *plain;
    OSSL_PROVIDER *dflt;
    OSSL_DECODER_CTX *dec;
    const unsigned char *p;
    size_t len;
    keel_rot *rot = open_on(&tpm_a, "identity");

    (void)state;
    /* The first TPM of the process binds OpenSSL's default context, where every other
     * algorithm stays with the default provider. */
    assert_null(keel_rot_libctx(rot));
    assert_string_equal(keel_rot_propq(rot), "?provider=tpm2");
    EVP_MD *sha = EVP_MD_fetch(NULL, "SHA256", NULL);
    assert_non_null(sha);
    assert_string_equal(OSSL_PROVIDER_get0_name(EVP_MD_get0_provider(sha)), "default");
    EVP_MD_free(sha);
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_ERR_EXISTS);
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_OK);
    rot_test_sign_verify(rot, key);
    EVP_PKEY_free(key);

    rot_test_join(path, sizeof(path), dir, "identity.pem");
    assert_int_equal(rot_test_mode(path), 0600);
    len = rot_test_slurp(path, pem, sizeof(pem));
    assert_non_null(strstr(pem, "-----BEGIN TSS2 PRIVATE KEY-----"));
    assert_null(strstr(pem, "BEGIN PRIVATE KEY"));
    assert_null(strstr(pem, "BEGIN EC PRIVATE KEY"));
    /* Without the TPM, OpenSSL finds no private key in it: it is a TPM-wrapped blob. */
    plain = OSSL_LIB_CTX_new();
    dflt = OSSL_PROVIDER_load(plain, "default");
    assert_non_null(dflt);
    key = NULL;
    dec = OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", NULL, NULL, OSSL_KEYMGMT_SELECT_PRIVATE_KEY,
                                        plain, NULL);
    p = (const unsigned char *)pem;
    assert_int_not_equal(OSSL_DECODER_from_data(dec, &p, &len), 1);
    assert_null(key);
    OSSL_DECODER_CTX_free(dec);
    OSSL_PROVIDER_unload(dflt);
    OSSL_LIB_CTX_free(plain);

    /* the same key after reopening */
    keel_rot_close(rot);
    rot = open_on(&tpm_a, "identity");
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_OK);
    rot_test_sign_verify(rot, key);
    EVP_PKEY_free(key);
    keel_rot_close(rot);
}

static void test_storage_key(void **state)
{
    keel_rot *rot = open_on(&tpm_a, "key");

    (void)state;
    rot_test_storage_key_cycle(rot);
    keel_rot_close(rot);
}

static void test_storage_key_damaged(void **state)
{
    char path[400];
    uint8_t key[KEEL_ROT_KEY_LEN];
    static const long spots[] = {0, 20, 60, -1, -20};
    keel_rot *rot = open_on(&tpm_a, "damaged");

    (void)state;
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_OK);
    rot_test_join(path, sizeof(path), dir, "storage.sealed");
    assert_int_equal(rot_test_mode(path), 0600);
    /* magic, public area, sealed private part: each flip is caught */
    for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
        rot_test_flip_byte(path, spots[i]);
        assert_int_equal(keel_rot_storage_key_unseal(rot, key), KEEL_ERR_ROT_SEALED);
        rot_test_flip_byte(path, spots[i]);
        assert_int_equal(keel_rot_storage_key_unseal(rot, key), KEEL_OK);
    }
    FILE *f = fopen(path, "ab");
    fputc(0, f);
    fclose(f);
    assert_int_equal(keel_rot_storage_key_unseal(rot, key), KEEL_ERR_ROT_SEALED);
    f = fopen(path, "wb");
    fclose(f);
    assert_int_equal(keel_rot_storage_key_unseal(rot, key), KEEL_ERR_ROT_SEALED);
    keel_rot_close(rot);
}

static void test_counters(void **state)
{
    keel_rot *rot = open_on(&tpm_a, "counters");

    (void)state;
    rot_test_counters(rot);
    keel_rot_close(rot);
}

/* A reboot: counters and the sealed key survive, transient TPM state does not matter. */
static void test_restart(void **state)
{
    uint8_t before[KEEL_ROT_KEY_LEN], after[KEEL_ROT_KEY_LEN];
    uint64_t v = 0, w = 0;
    EVP_PKEY *key = NULL;
    keel_rot *rot = open_on(&tpm_a, "restart");

    (void)state;
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_storage_key_unseal(rot, before), KEEL_OK);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_UPDATE, &v), KEEL_OK);
    keel_rot_close(rot);

    assert_int_equal(keel_test_swtpm_restart(&tpm_a), 0);
    rot = open_on(&tpm_a, "restart");
    assert_int_equal(keel_rot_counter_read(rot, KEEL_ROT_COUNTER_UPDATE, &w), KEEL_OK);
    assert_true(w == v);
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_UPDATE, &w), KEEL_OK);
    assert_true(w == v + 1);
    assert_int_equal(keel_rot_storage_key_unseal(rot, after), KEEL_OK);
    assert_memory_equal(before, after, sizeof(before));
    assert_int_equal(keel_rot_identity_key(rot, &key), KEEL_OK);
    rot_test_sign_verify(rot, key);
    EVP_PKEY_free(key);
    /* destroying the storage key leaves the counters alone */
    assert_int_equal(keel_rot_storage_key_destroy(rot), KEEL_OK);
    assert_int_equal(keel_rot_counter_read(rot, KEEL_ROT_COUNTER_UPDATE, &v), KEEL_OK);
    assert_true(v == w);
    keel_rot_close(rot);
}

/* The state directory copied to another device: its TPM refuses every blob. */
static void test_foreign_tpm(void **state)
{
    keel_test_swtpm tpm_b;
    uint8_t key[KEEL_ROT_KEY_LEN];
    EVP_PKEY *pkey = NULL;
    keel_rot *rot = open_on(&tpm_a, "foreign");

    (void)state;
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_OK);
    keel_rot_close(rot);

    assert_int_equal(keel_test_swtpm_start(&tpm_b), 0);
    rot = open_on(&tpm_b, "foreign");
    /* the process's default context belongs to tpm_a: tpm_b gets its own */
    assert_non_null(keel_rot_libctx(rot));
    assert_int_equal(keel_rot_storage_key_unseal(rot, key), KEEL_ERR_ROT_SEALED);
    assert_int_equal(keel_rot_identity_key(rot, &pkey), KEEL_ERR_ROT_SEALED);
    assert_null(pkey);
    /* tpm_b's own identity works through its private context */
    rot_test_join(dir, sizeof(dir), tmp, "foreign-b");
    keel_rot_close(rot);
    assert_int_equal(keel_rot_open(tpm_b.spec, dir, &rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_identity_key(rot, &pkey), KEEL_OK);
    rot_test_sign_verify(rot, pkey);
    EVP_PKEY_free(pkey);
    keel_rot_close(rot);
    keel_test_swtpm_stop(&tpm_b);
}

static uint16_t closed_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_unreachable(void **state)
{
    char spec[128];
    struct timespec t0, t1;
    keel_rot *rot = (keel_rot *)&rot;

    (void)state;
    rot_test_join(dir, sizeof(dir), tmp, "unreachable");
    snprintf(spec, sizeof(spec), "tpm2:swtpm:host=127.0.0.1,port=%u", (unsigned)closed_port());
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(keel_rot_open(spec, dir, &rot), KEEL_ERR_ROT_UNAVAILABLE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_null(rot);
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    /* a TCTI that does not exist at all */
    assert_int_equal(keel_rot_open("tpm2:nosuchtcti:x", dir, &rot), KEEL_ERR_ROT_UNAVAILABLE);
    assert_null(rot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_storage_key),
        cmocka_unit_test(test_storage_key_damaged),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_foreign_tpm),
        cmocka_unit_test(test_unreachable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
