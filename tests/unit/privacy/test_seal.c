/*
 * keel_privacy_seal / keel_privacy_open (keel/privacy.h): values round-trip at every size
 * class; the sealed bytes are the documented format (checked by decrypting with OpenSSL's
 * AES-256-GCM directly, additional data 0x01 | context); and a value opens only under its
 * own key and context and only whole and unaltered: another key, another context, any one
 * bit flipped, any truncation, a byte added, are all refused with the output wiped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "keel/privacy.h"

#define CTX "lock.pins.name"

static const uint8_t key[KEEL_PRIVACY_KEY_LEN] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static uint8_t sealed[KEEL_PRIVACY_VALUE_MAX + KEEL_PRIVACY_SEAL_OVERHEAD + 1];
static uint8_t opened[KEEL_PRIVACY_VALUE_MAX + 1];
static uint8_t plain[KEEL_PRIVACY_VALUE_MAX + 1];

static size_t seal(const void *in, size_t len)
{
    size_t n = 0;

    assert_int_equal(keel_privacy_seal(key, CTX, in, len, sealed, sizeof(sealed), &n), KEEL_OK);
    assert_int_equal(n, len + KEEL_PRIVACY_SEAL_OVERHEAD);
    return n;
}

/* Opening fails with want, and the output buffer is all zeros afterwards. */
static void refused(const uint8_t *k, const char *ctx, const uint8_t *in, size_t len, keel_err want)
{
    size_t n = 99;

    memset(opened, 0xa5, sizeof(opened));
    assert_int_equal(keel_privacy_open(k, ctx, in, len, opened, sizeof(opened), &n), want);
    assert_int_equal(n, 0);
    for (size_t i = 0; i < sizeof(opened); i++)
        assert_int_equal(opened[i], 0);
}

static void test_round_trip(void **state)
{
    static const size_t sizes[] = {0, 1, 15, 16, 17, 32, 1000, KEEL_PRIVACY_VALUE_MAX};
    size_t n;
    size_t len = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)(i * 7u + 3u);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        n = seal(plain, sizes[i]);
        assert_int_equal(sealed[0], 0x01);
        assert_int_equal(keel_privacy_open(key, CTX, sealed, n, opened, sizes[i], &len), KEEL_OK);
        assert_int_equal(len, sizes[i]);
        if (len > 0)
            assert_memory_equal(opened, plain, len);
    }
    /* an empty value with no output buffer at all */
    n = seal(NULL, 0);
    assert_int_equal(keel_privacy_open(key, CTX, sealed, n, NULL, 0, &len), KEEL_OK);
    assert_int_equal(len, 0);
}

/* The same value sealed twice: different nonces, different bytes, and no plaintext in it. */
static void test_fresh_nonce(void **state)
{
    static const char name[] = "Alice Example";
    uint8_t first[64];
    size_t n = seal(name, sizeof(name) - 1);

    (void)state;
    memcpy(first, sealed, n);
    assert_int_equal(seal(name, sizeof(name) - 1), n);
    assert_memory_not_equal(first + 1, sealed + 1, KEEL_PRIVACY_NONCE_LEN);
    assert_memory_not_equal(first, sealed, n);
    for (size_t i = 0; i + 5 <= n; i++)
        assert_memory_not_equal(sealed + i, "Alice", 5);
}

/* The documented format, decrypted without keel: 0x01 | nonce | ciphertext | tag, AAD
 * 0x01 | context, AES-256-GCM under the key. */
static void test_format_with_openssl(void **state)
{
    static const char value[] = "who opened the door";
    static const uint8_t version = 0x01;
    const size_t len = sizeof(value) - 1;
    size_t n = seal(value, len);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    uint8_t out[64];
    int got = 0;
    int fin = 0;

    (void)state;
    assert_non_null(c);
    assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), 1);
    assert_int_equal(EVP_DecryptInit_ex(c, NULL, NULL, key, sealed + 1), 1);
    assert_int_equal(EVP_DecryptUpdate(c, NULL, &got, &version, 1), 1);
    assert_int_equal(EVP_DecryptUpdate(c, NULL, &got, (const uint8_t *)CTX, (int)strlen(CTX)), 1);
    assert_int_equal(EVP_DecryptUpdate(c, out, &got, sealed + 13, (int)len), 1);
    assert_int_equal(got, (int)len);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, sealed + 13 + len), 1);
    assert_int_equal(EVP_DecryptFinal_ex(c, out + got, &fin), 1);
    EVP_CIPHER_CTX_free(c);
    assert_int_equal(n, 1 + 12 + len + 16);
    assert_memory_equal(out, value, len);
}

static void test_wrong_key_and_context(void **state)
{
    uint8_t other[KEEL_PRIVACY_KEY_LEN];
    size_t n = seal("Bob", 3);

    (void)state;
    memcpy(other, key, sizeof(other));
    other[31] ^= 0x01;
    refused(other, CTX, sealed, n, KEEL_ERR_CRYPTO);
    refused(key, "lock.log.who", sealed, n, KEEL_ERR_CRYPTO);
    refused(key, "lock.pins.nam", sealed, n, KEEL_ERR_CRYPTO);
    /* the right ones still open it */
    assert_int_equal(keel_privacy_open(key, CTX, sealed, n, opened, 3, &n), KEEL_OK);
    assert_memory_equal(opened, "Bob", 3);
}

/* Every single bit flipped, anywhere: refused (the version byte as unknown, the rest as
 * failing authentication). */
static void test_every_bit_flipped(void **state)
{
    uint8_t copy[64];
    size_t n = seal("Carol Example", 13);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 8; b++) {
            memcpy(copy, sealed, n);
            copy[i] ^= (uint8_t)(1u << b);
            refused(key, CTX, copy, n, i == 0 ? KEEL_ERR_PARSE : KEEL_ERR_CRYPTO);
        }
    }
}

static void test_truncated_and_extended(void **state)
{
    size_t n = seal("Dave", 4);

    (void)state;
    for (size_t cut = 0; cut < n; cut++)
        refused(key, CTX, sealed, cut,
                cut < KEEL_PRIVACY_SEAL_OVERHEAD ? KEEL_ERR_PARSE : KEEL_ERR_CRYPTO);
    sealed[n] = 0;
    refused(key, CTX, sealed, n + 1, KEEL_ERR_CRYPTO);
    /* longer than any seal makes */
    refused(key, CTX, sealed, KEEL_PRIVACY_VALUE_MAX + KEEL_PRIVACY_SEAL_OVERHEAD + 1,
            KEEL_ERR_PARSE);
}

static void test_short_buffers(void **state)
{
    uint8_t out[64];
    size_t n = 0;
    size_t len = 5;

    (void)state;
    assert_int_equal(
        keel_privacy_seal(key, CTX, "Erin!", 5, out, 5 + KEEL_PRIVACY_SEAL_OVERHEAD - 1, &n),
        KEEL_ERR_RANGE);
    assert_int_equal(n, 0);
    n = seal("Erin!", 5);
    memset(opened, 0xa5, 8);
    assert_int_equal(keel_privacy_open(key, CTX, sealed, n, opened, 4, &len), KEEL_ERR_RANGE);
    assert_int_equal(len, 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(opened[i], 0);
    assert_int_equal(opened[4], 0xa5); /* nothing written past outsz */
}

static void test_limits_and_arguments(void **state)
{
    static const char *const bad_contexts[] = {
        "", "Lock.pins", "lock pins", "lock/pins",
        "0123456789012345678901234567890123456789012345678901234567890123x"};
    uint8_t k1[KEEL_PRIVACY_KEY_LEN];
    uint8_t k2[KEEL_PRIVACY_KEY_LEN];
    size_t n = 0;

    (void)state;
    assert_int_equal(
        keel_privacy_seal(key, CTX, plain, KEEL_PRIVACY_VALUE_MAX + 1, sealed, sizeof(sealed), &n),
        KEEL_ERR_TOO_LARGE);
    for (size_t i = 0; i < sizeof(bad_contexts) / sizeof(bad_contexts[0]); i++) {
        assert_int_equal(
            keel_privacy_seal(key, bad_contexts[i], "x", 1, sealed, sizeof(sealed), &n),
            KEEL_ERR_ARG);
        assert_int_equal(keel_privacy_open(key, bad_contexts[i], sealed, 30, opened, 8, &n),
                         KEEL_ERR_ARG);
    }
    /* 64 bytes is the longest context */
    assert_int_equal(
        keel_privacy_seal(key, "0123456789012345678901234567890123456789012345678901234567890123",
                          "x", 1, sealed, sizeof(sealed), &n),
        KEEL_OK);
    assert_int_equal(keel_privacy_seal(NULL, CTX, "x", 1, sealed, sizeof(sealed), &n),
                     KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_seal(key, NULL, "x", 1, sealed, sizeof(sealed), &n),
                     KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_seal(key, CTX, NULL, 1, sealed, sizeof(sealed), &n),
                     KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_seal(key, CTX, "x", 1, NULL, 64, &n), KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_seal(key, CTX, "x", 1, sealed, sizeof(sealed), NULL),
                     KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_open(key, CTX, NULL, 30, opened, 8, &n), KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_open(key, CTX, sealed, 30, NULL, 8, &n), KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_open(key, CTX, sealed, 30, opened, 8, NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_key_new(NULL), KEEL_ERR_ARG);
    assert_int_equal(keel_privacy_key_new(k1), KEEL_OK);
    assert_int_equal(keel_privacy_key_new(k2), KEEL_OK);
    assert_memory_not_equal(k1, k2, sizeof(k1));
    /* a value sealed under a new key opens only under it */
    assert_int_equal(keel_privacy_seal(k1, CTX, "Faye", 4, sealed, sizeof(sealed), &n), KEEL_OK);
    refused(k2, CTX, sealed, n, KEEL_ERR_CRYPTO);
    assert_int_equal(keel_privacy_open(k1, CTX, sealed, n, opened, 4, &n), KEEL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),          cmocka_unit_test(test_fresh_nonce),
        cmocka_unit_test(test_format_with_openssl), cmocka_unit_test(test_wrong_key_and_context),
        cmocka_unit_test(test_every_bit_flipped),   cmocka_unit_test(test_truncated_and_extended),
        cmocka_unit_test(test_short_buffers),       cmocka_unit_test(test_limits_and_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
