/* Shared checks of the rot tests (see rot_checks.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "rot_checks.h"

#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/x509.h>

void rot_test_tempdir(char *out, size_t outsz)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(out, outsz, "%s/keel-rot-test-XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(out));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void rot_test_rmtree(const char *dir)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void rot_test_join(char *out, size_t outsz, const char *dir, const char *name)
{
    assert_true((size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz);
}

void rot_test_flip_byte(const char *path, long offset)
{
    int fd = open(path, O_RDWR);
    struct stat st;
    unsigned char c;
    off_t at;

    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    at = offset >= 0 ? offset : st.st_size + offset;
    assert_true(at >= 0 && at < st.st_size);
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x01;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

size_t rot_test_slurp(const char *path, char *buf, size_t bufsz)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, bufsz - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

unsigned rot_test_mode(const char *path)
{
    struct stat st;

    assert_int_equal(lstat(path, &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static EVP_PKEY *public_in_default_provider(EVP_PKEY *key)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    int len = i2d_PUBKEY(key, &der);
    EVP_PKEY *pub;

    assert_true(len > 0);
    p = der;
    pub = d2i_PUBKEY_ex(NULL, &p, len, NULL, "provider=default");
    OPENSSL_free(der);
    assert_non_null(pub);
    return pub;
}

void rot_test_sign_verify(keel_rot *rot, EVP_PKEY *key)
{
    static const unsigned char msg[] = "keel identity: EN 303 645 5.4-1";
    unsigned char sig[256];
    size_t siglen = sizeof(sig);
    char group[64];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY *pub = public_in_default_provider(key);

    assert_non_null(md);
    assert_int_equal(EVP_PKEY_get_group_name(pub, group, sizeof(group), NULL), 1);
    assert_string_equal(group, "prime256v1");
    if (EVP_DigestSignInit_ex(md, NULL, "SHA256", keel_rot_libctx(rot), keel_rot_propq(rot), key,
                              NULL) != 1) {
        ERR_print_errors_fp(stderr);
        fail_msg("cannot start signing with the identity key");
    }
    if (EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1) {
        ERR_print_errors_fp(stderr);
        fail_msg("the identity key does not sign");
    }
    EVP_MD_CTX_free(md);

    md = EVP_MD_CTX_new();
    assert_int_equal(
        EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, "provider=default", pub, NULL), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)), 1);
    EVP_MD_CTX_free(md);

    md = EVP_MD_CTX_new();
    assert_int_equal(
        EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, "provider=default", pub, NULL), 1);
    assert_int_not_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg) - 1), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pub);
}

void rot_test_storage_key_cycle(keel_rot *rot)
{
    uint8_t a[KEEL_ROT_KEY_LEN], b[KEEL_ROT_KEY_LEN], c[KEEL_ROT_KEY_LEN];
    static const uint8_t zero[KEEL_ROT_KEY_LEN];

    memset(a, 0xa5, sizeof(a));
    assert_int_equal(keel_rot_storage_key_unseal(rot, a), KEEL_ERR_NOT_FOUND);
    assert_memory_equal(a, zero, sizeof(a)); /* wiped on failure */
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_storage_key_unseal(rot, a), KEEL_OK);
    assert_int_equal(keel_rot_storage_key_unseal(rot, b), KEEL_OK);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_ERR_EXISTS);
    assert_int_equal(keel_rot_storage_key_unseal(rot, b), KEEL_OK);
    assert_memory_equal(a, b, sizeof(a)); /* not replaced by the refused create */
    assert_int_equal(keel_rot_storage_key_destroy(rot), KEEL_OK);
    assert_int_equal(keel_rot_storage_key_unseal(rot, b), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_rot_storage_key_destroy(rot), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_rot_storage_key_create(rot), KEEL_OK);
    assert_int_equal(keel_rot_storage_key_unseal(rot, c), KEEL_OK);
    assert_memory_not_equal(a, c, sizeof(a));
    assert_int_equal(keel_rot_storage_key_unseal(NULL, c), KEEL_ERR_ARG);
    assert_memory_equal(c, zero, sizeof(c));
    assert_int_equal(keel_rot_storage_key_unseal(rot, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_storage_key_create(NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_storage_key_destroy(NULL), KEEL_ERR_ARG);
}

void rot_test_counters(keel_rot *rot)
{
    uint64_t before[KEEL_ROT_COUNTERS], v = 0, w = 0;

    for (uint32_t id = 0; id < KEEL_ROT_COUNTERS; id++)
        assert_int_equal(keel_rot_counter_read(rot, id, &before[id]), KEEL_OK);
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_STORE, &v), KEEL_OK);
    assert_true(v == before[KEEL_ROT_COUNTER_STORE] + 1);
    assert_int_equal(keel_rot_counter_read(rot, KEEL_ROT_COUNTER_STORE, &w), KEEL_OK);
    assert_true(w == v);
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_STORE, &v), KEEL_OK);
    assert_true(v == w + 1);
    /* the others did not move */
    for (uint32_t id = 1; id < KEEL_ROT_COUNTERS; id++) {
        assert_int_equal(keel_rot_counter_read(rot, id, &w), KEEL_OK);
        assert_true(w == before[id]);
    }
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTER_UPDATE, &v), KEEL_OK);
    assert_true(v == before[KEEL_ROT_COUNTER_UPDATE] + 1);
    assert_int_equal(keel_rot_counter_read(rot, KEEL_ROT_COUNTERS, &v), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_counter_increment(rot, KEEL_ROT_COUNTERS, &v), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_counter_read(rot, 0, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_counter_read(NULL, 0, &v), KEEL_ERR_ARG);
    assert_int_equal(keel_rot_counter_increment(rot, 0, NULL), KEEL_ERR_ARG);
}
